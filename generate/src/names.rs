//! The systemd service name of a container unit: `<prefix><separator><name or ID>`.

use crate::error::Error;

/// Podman's `getServiceName`: an empty prefix drops the separator too, so the name never starts
/// with `-`. The result is checked against systemd's unit name rules, because it ends up in the
/// unit's first line, its `Description=` and the file name; Podman checks nothing here.
pub fn service_name(prefix: &str, separator: &str, name_or_id: &str) -> Result<String, Error> {
    let name = if prefix.is_empty() { name_or_id.to_string() } else { format!("{prefix}{separator}{name_or_id}") };
    let valid = !name.is_empty()
        && name.len() + "@.service".len() <= 255
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_' | '.'));
    if valid {
        Ok(name)
    } else {
        Err(Error::InvalidUnitName(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_separator_and_validation() {
        let cases = [
            ("container", "-", "web", Some("container-web")),
            ("con", "-", "foo", Some("con-foo")),
            ("", "-", "foo", Some("foo")),
            ("container", "_", "foo", Some("container_foo")),
            ("container", "", "foo", Some("containerfoo")),
            ("my:prefix", ".", "a_b.c-d", Some("my:prefix.a_b.c-d")),
            ("bad prefix", "-", "foo", None),
            ("container", "\n", "foo", None),
            ("container", "-", "a%i", None),
            ("container", "@", "foo", None),
            ("", "", "", None),
        ];
        for (prefix, separator, name, want) in cases {
            let got = service_name(prefix, separator, name).ok();
            assert_eq!(got.as_deref(), want, "{prefix:?} {separator:?} {name:?}");
        }
        let long = "x".repeat(250);
        assert!(service_name("", "", &long).is_err());
        assert_eq!(
            service_name("a b", "-", "c").unwrap_err().to_string(),
            "invalid systemd unit name \"a b-c\": only ASCII letters, digits, \":\", \"-\", \"_\" and \".\" are allowed, at most 255 characters with the suffix"
        );
    }
}
