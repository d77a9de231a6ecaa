//! Environment variables a unit sets with `Environment=`: the ones given to `generate systemd -e`
//! (Podman's `env.ParseSlice`), and, with `--new`, the container's values for each `-e NAME` of its
//! create command (the unit's `rpod run -e NAME` reads them from its own environment).

use crate::error::Error;

/// One `NAME=value` the unit sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    /// The variable's name.
    pub name: String,
    /// Its value, possibly empty.
    pub value: String,
}

impl EnvVar {
    /// `NAME=value`. Podman writes a bare `NAME` for an empty value, which systemd rejects as an
    /// invalid assignment; rpod writes `NAME=`.
    pub fn assignment(&self) -> String {
        format!("{}={}", self.name, self.value)
    }
}

/// Parses `generate systemd -e` values like Podman: `NAME=value`; `NAME` takes the value from
/// `host_env` (and is dropped if unset there); `PREFIX*` takes every host variable starting with
/// `PREFIX`; a missing name (`=bar`) is `invalid variable`. A later value for the same name
/// replaces the earlier one in place, so the order is that of first appearance.
pub fn parse_env_flags(values: &[String], host_env: &[(String, String)]) -> Result<Vec<EnvVar>, Error> {
    let mut vars: Vec<EnvVar> = Vec::new();
    let mut set = |name: &str, value: &str| match vars.iter_mut().find(|v| v.name == name) {
        Some(existing) => existing.value = value.to_string(),
        None => vars.push(EnvVar { name: name.to_string(), value: value.to_string() }),
    };
    for line in values {
        let (key, value) = match line.split_once('=') {
            Some((key, value)) => (key, Some(value)),
            None => (line.as_str(), None),
        };
        if key.is_empty() {
            return Err(Error::InvalidVariable(line.clone()));
        }
        let name = key.trim_start_matches([' ', '\t']);
        match (value, name.strip_suffix('*')) {
            (Some(value), _) => set(name, value),
            (None, Some(prefix)) => {
                for (host_name, host_value) in host_env.iter().filter(|(n, _)| n.starts_with(prefix)) {
                    set(host_name, host_value);
                }
            }
            (None, None) => {
                if let Some((_, host_value)) = host_env.iter().find(|(n, _)| n == name) {
                    set(name, host_value);
                }
            }
        }
    }
    Ok(vars)
}

/// For each `-e NAME` of a create command, every `NAME=value` of the container's environment.
pub fn container_values(env_names: &[String], container_env: &[String]) -> Vec<EnvVar> {
    env_names
        .iter()
        .flat_map(|wanted| {
            container_env.iter().filter_map(move |entry| {
                let (name, value) = entry.split_once('=').unwrap_or((entry.as_str(), ""));
                (name == wanted).then(|| EnvVar { name: name.to_string(), value: value.to_string() })
            })
        })
        .collect()
}

/// systemd's rule for `Environment=` names (letters, digits, `_`, no leading digit); anything
/// else it drops with a warning, so rpod refuses it instead of generating a unit that loses it.
pub fn check_systemd_name(var: &EnvVar) -> Result<(), Error> {
    let valid = !var.name.is_empty()
        && !var.name.starts_with(|c: char| c.is_ascii_digit())
        && var.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidEnvName(var.name.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host() -> Vec<(String, String)> {
        [("FOO1", "BAR1"), ("FOO2", "BAR2"), ("FOO3", "BAR3"), ("HOME", "/root"), ("FOOD", "")]
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    fn pairs(vars: &[EnvVar]) -> Vec<String> {
        vars.iter().map(EnvVar::assignment).collect()
    }

    #[test]
    fn parses_generate_env_flags() {
        let cases: [(&[&str], &[&str]); 7] = [
            (&["foo=bar", "hoge=fuga"], &["foo=bar", "hoge=fuga"]),
            (&["FOO1"], &["FOO1=BAR1"]),
            (&["UNSET"], &[]),
            (&["FOO*"], &["FOO1=BAR1", "FOO2=BAR2", "FOO3=BAR3", "FOOD="]),
            (&["A=1", "B=2", "A=3"], &["A=3", "B=2"]),
            (&["EMPTY="], &["EMPTY="]),
            (&["  SPACED=x", "WITH=a=b"], &["SPACED=x", "WITH=a=b"]),
        ];
        for (input, want) in cases {
            let values: Vec<String> = input.iter().map(|v| v.to_string()).collect();
            assert_eq!(pairs(&parse_env_flags(&values, &host()).unwrap()), *want, "{input:?}");
        }
    }

    #[test]
    fn missing_name_is_invalid() {
        for bad in ["=bar", "="] {
            let err = parse_env_flags(&[bad.to_string()], &host()).unwrap_err();
            assert_eq!(err.to_string(), format!("parsing environment variables: invalid variable: \"{bad}\""));
        }
    }

    #[test]
    fn resolves_container_values() {
        let env: Vec<String> = ["FOO=abc", "BAR=my test", "USER=%a", "MYENV=2"].iter().map(|v| v.to_string()).collect();
        let names: Vec<String> = ["FOO", "BAR", "USER", "NOPE"].iter().map(|v| v.to_string()).collect();
        assert_eq!(pairs(&container_values(&names, &env)), ["FOO=abc", "BAR=my test", "USER=%a"]);
    }

    #[test]
    fn systemd_names() {
        for (name, ok) in
            [("FOO", true), ("_x1", true), ("1X", false), ("A-B", false), ("A.B", false), ("", false), ("A\nB", false)]
        {
            let var = EnvVar { name: name.to_string(), value: String::new() };
            assert_eq!(check_systemd_name(&var).is_ok(), ok, "{name:?}");
        }
    }
}
