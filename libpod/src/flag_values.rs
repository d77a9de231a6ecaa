//! The text forms `create` and `run` flags take (`--label`, `--label-file`, `--env-file`,
//! `--env`, `--entrypoint`), Go's durations (`wait --interval`, `until=` filters), booleans and
//! I/O error texts, parsed here rather than in `cmd/` so that the rules have unit tests and the
//! fuzz targets under `fuzz/` can reach them.

use crate::error::{Error, Result};

/// `KEY=VALUE` or `KEY` (an empty value), as `--label` takes it: split on the first `=`, so a
/// value may itself hold `=`.
pub fn split_label(label: &str) -> (String, String) {
    match label.split_once('=') {
        Some((key, value)) => (key.to_string(), value.to_string()),
        None => (label.to_string(), String::new()),
    }
}

/// The entries of a `--label-file` or `--env-file`: every line trimmed, blank lines and `#`
/// comments dropped (Podman reads both files this way).
pub fn key_value_lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_string).collect()
}

/// `--entrypoint` is a JSON array when it starts with `[` (Podman #12477), else one command; an
/// empty string clears the image's entrypoint.
pub fn parse_entrypoint(text: &str) -> Result<Vec<String>> {
    if text.trim_start().starts_with('[') {
        return serde_json::from_str(text).map_err(|_| Error::InvalidEntrypoint(text.to_string()));
    }
    Ok(if text.is_empty() { Vec::new() } else { vec![text.to_string()] })
}

/// Refuses an environment entry without a name (`=value` or an empty string), which the
/// container's environment could not carry.
pub fn check_env_entries(env: &[String]) -> Result<()> {
    match env.iter().find(|e| e.is_empty() || e.starts_with('=')) {
        Some(bad) => Err(Error::EmptyEnvName(bad.clone())),
        None => Ok(()),
    }
}

/// Why Go's `time.ParseDuration` refuses a duration, in its words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GoDurationError {
    #[error("time: invalid duration {0:?}")]
    Invalid(String),
    #[error("time: missing unit in duration {0:?}")]
    MissingUnit(String),
    #[error("time: unknown unit {unit:?} in duration {value:?}")]
    UnknownUnit { unit: String, value: String },
}

/// A non-negative Go duration (`time.ParseDuration`: `250ms`, `1.5s`, `1h2m`, `0`), as Podman
/// takes `wait --interval` and the `until=` of filters.
pub fn parse_go_duration(value: &str) -> std::result::Result<std::time::Duration, GoDurationError> {
    let invalid = || GoDurationError::Invalid(value.to_string());
    let unsigned = value.strip_prefix('+').unwrap_or(value);
    if unsigned == "0" {
        return Ok(std::time::Duration::ZERO);
    }
    if unsigned.is_empty() || unsigned.starts_with('-') {
        return Err(invalid());
    }
    let mut rest = unsigned;
    let mut nanos: f64 = 0.0;
    while !rest.is_empty() {
        let number_end = rest.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(rest.len());
        let number: f64 = rest[..number_end].parse().map_err(|_| invalid())?;
        rest = &rest[number_end..];
        let unit_end = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let scale = match &rest[..unit_end] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => return Err(GoDurationError::MissingUnit(value.to_string())),
            unit => return Err(GoDurationError::UnknownUnit { unit: unit.to_string(), value: value.to_string() }),
        };
        nanos += number * scale;
        rest = &rest[unit_end..];
    }
    Ok(std::time::Duration::from_nanos(nanos as u64))
}

/// Go's `strconv.ParseBool`, the rule Podman's boolean option values follow
/// (`--security-opt no-new-privileges=`, the `dangling=` filter): `1 t T TRUE true True` and
/// `0 f F FALSE false False`, nothing else.
pub(crate) fn parse_go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// An I/O error as Go prints one (`no such file or directory`): Rust's text without its
/// ` (os error N)` suffix, lower-cased, for messages that quote Podman's.
pub(crate) fn go_io_error_text(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_lowercase(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entrypoint_forms() {
        let cases: [(&str, Option<&[&str]>); 6] = [
            (r#"["sh", "-c", "x"]"#, Some(&["sh", "-c", "x"])),
            (" [\"a\"]", Some(&["a"])),
            ("top", Some(&["top"])),
            ("", Some(&[])),
            ("[broken", None),
            ("[1, 2]", None),
        ];
        for (text, want) in cases {
            let got = parse_entrypoint(text).ok();
            let want = want.map(|w| w.iter().map(|s| s.to_string()).collect::<Vec<_>>());
            assert_eq!(got, want, "{text:?}");
        }
        assert_eq!(
            parse_entrypoint("[broken").unwrap_err().to_string(),
            "--entrypoint \"[broken\" is not a JSON array of strings"
        );
    }

    #[test]
    fn labels_split_on_the_first_equals() {
        let cases = [("a=b=c", ("a", "b=c")), ("flag", ("flag", "")), ("=v", ("", "v")), ("k=", ("k", ""))];
        for (label, (key, value)) in cases {
            assert_eq!(split_label(label), (key.to_string(), value.to_string()), "{label:?}");
        }
    }

    #[test]
    fn files_drop_blank_lines_and_comments() {
        let text = "# comment\n\n  A=1  \r\n\t#also\nB = 2\nC\n";
        assert_eq!(key_value_lines(text), ["A=1", "B = 2", "C"]);
    }

    #[test]
    fn env_entries_need_a_name() {
        let ok: Vec<String> = vec!["A=1".into(), "B".into(), "C=".into()];
        assert!(check_env_entries(&ok).is_ok());
        for bad in ["=x", "", "="] {
            let err = check_env_entries(&[bad.to_string()]).unwrap_err();
            assert_eq!(err.to_string(), format!("invalid environment variable {bad:?}: the name is empty"));
        }
    }

    #[test]
    fn durations_like_go() {
        use std::time::Duration;
        let cases = [
            ("250ms", Ok(Duration::from_millis(250))),
            ("1.5s", Ok(Duration::from_millis(1500))),
            ("1m30s", Ok(Duration::from_secs(90))),
            ("1h30m", Ok(Duration::from_secs(5400))),
            ("0", Ok(Duration::ZERO)),
            ("abc", Err("time: invalid duration \"abc\"".to_string())),
            ("", Err("time: invalid duration \"\"".to_string())),
            ("5", Err("time: missing unit in duration \"5\"".to_string())),
            ("10", Err("time: missing unit in duration \"10\"".to_string())),
            ("5x", Err("time: unknown unit \"x\" in duration \"5x\"".to_string())),
        ];
        for (value, want) in cases {
            assert_eq!(parse_go_duration(value).map_err(|e| e.to_string()), want, "{value:?}");
        }
    }
}
