//! The text forms `create` and `run` flags take (`--label`, `--label-file`, `--env-file`,
//! `--env`, `--entrypoint`), parsed here rather than in `cmd/` so that the rules have unit
//! tests and the fuzz targets under `fuzz/` can reach them.

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
}
