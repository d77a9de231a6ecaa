//! systemd's rules for unit names, as far as rpod restarts units: a `.service` unit, plain
//! (`web.service`) or an instance of a template (`web@1.service`), never a template itself.
//!
//! The name comes from the container's `PODMAN_SYSTEMD_UNIT` label, which anyone who can
//! create a container sets (from the environment or `--label`); it is checked before it ever
//! reaches `RestartUnit`, so a label such as `reboot.target` restarts nothing.

/// The longest unit name systemd accepts (`UNIT_NAME_MAX`).
pub const UNIT_NAME_MAX: usize = 255;

const SERVICE_SUFFIX: &str = ".service";

/// Why a name is not one of a restartable service unit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidUnitName {
    #[error("the unit name is empty")]
    Empty,
    #[error("a unit name is at most {UNIT_NAME_MAX} characters")]
    TooLong,
    /// Only services run containers; other unit types (`reboot.target`) are never restarted.
    #[error("only .service units are restarted")]
    NotAService,
    /// systemd allows ASCII letters and digits and `:-_.\` (and one `@`).
    #[error("{0:?} is not allowed in a unit name")]
    BadCharacter(char),
    #[error("the unit name has nothing before its \"@\" or suffix")]
    EmptyPrefix,
    #[error("a unit name has at most one \"@\"")]
    SeveralAts,
    /// A template (`web@.service`) cannot run; only its instances (`web@1.service`) can.
    #[error("a template unit cannot be restarted, only an instance of it (name@instance.service)")]
    Template,
}

/// Checks that `name` names a service unit systemd can restart: at most 255 characters, the
/// suffix `.service`, a non-empty prefix of `[A-Za-z0-9:_.\-]`, and at most one `@`, which
/// must be followed by a non-empty instance (systemd's `unit_name_is_valid` for plain and
/// instance names).
pub fn validate_service_name(name: &str) -> Result<(), InvalidUnitName> {
    if name.is_empty() {
        return Err(InvalidUnitName::Empty);
    }
    if name.len() > UNIT_NAME_MAX {
        return Err(InvalidUnitName::TooLong);
    }
    if let Some(bad) = name.chars().find(|&c| !(c.is_ascii_alphanumeric() || ":-_.\\@".contains(c))) {
        return Err(InvalidUnitName::BadCharacter(bad));
    }
    let stem = name.strip_suffix(SERVICE_SUFFIX).ok_or(InvalidUnitName::NotAService)?;
    match stem.split_once('@') {
        None if stem.is_empty() => Err(InvalidUnitName::EmptyPrefix),
        None => Ok(()),
        Some(("", _)) => Err(InvalidUnitName::EmptyPrefix),
        Some((_, instance)) if instance.contains('@') => Err(InvalidUnitName::SeveralAts),
        Some((_, "")) => Err(InvalidUnitName::Template),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_and_instance_services_only() {
        use InvalidUnitName::*;
        let long_ok = format!("{}.service", "a".repeat(UNIT_NAME_MAX - SERVICE_SUFFIX.len()));
        let too_long = format!("{}.service", "a".repeat(UNIT_NAME_MAX - SERVICE_SUFFIX.len() + 1));
        let cases: &[(&str, Result<(), InvalidUnitName>)] = &[
            ("container-web.service", Ok(())),
            ("web.service", Ok(())),
            ("pod-a_b:c\\x2d.d.service", Ok(())),
            ("container-web@1.service", Ok(())),
            ("getty@tty1.service", Ok(())),
            ("web@a.b.service", Ok(())),
            (long_ok.as_str(), Ok(())),
            (too_long.as_str(), Err(TooLong)),
            ("", Err(Empty)),
            ("reboot.target", Err(NotAService)),
            ("web.socket", Err(NotAService)),
            ("web.service.d", Err(NotAService)),
            ("web", Err(NotAService)),
            ("web.Service", Err(NotAService)),
            ("../../x", Err(BadCharacter('/'))),
            ("../../x.service", Err(BadCharacter('/'))),
            ("web service.service", Err(BadCharacter(' '))),
            ("web\n.service", Err(BadCharacter('\n'))),
            ("wéb.service", Err(BadCharacter('é'))),
            ("%n.service", Err(BadCharacter('%'))),
            ("web;reboot.service", Err(BadCharacter(';'))),
            (".service", Err(EmptyPrefix)),
            ("@1.service", Err(EmptyPrefix)),
            ("@.service", Err(EmptyPrefix)),
            ("a@b@c.service", Err(SeveralAts)),
            ("container-web@.service", Err(Template)),
        ];
        for (name, want) in cases {
            assert_eq!(&validate_service_name(name), want, "{name:?}");
        }
    }

    #[test]
    fn reasons_read_plainly() {
        assert_eq!(InvalidUnitName::NotAService.to_string(), "only .service units are restarted");
        assert_eq!(InvalidUnitName::BadCharacter('/').to_string(), "'/' is not allowed in a unit name");
    }
}
