//! Which auth file a run uses when a container has no `io.containers.autoupdate.authfile`.

use std::path::PathBuf;

use crate::error::{Error, StatError};

/// `--authfile` when given (it must exist, as in Podman 4.7+), else `$REGISTRY_AUTH_FILE`
/// (`from_env`), else none (the registry client's default locations).
pub fn resolve_authfile(flag: Option<PathBuf>, from_env: Option<PathBuf>) -> Result<Option<PathBuf>, Error> {
    match flag {
        Some(path) => match std::fs::metadata(&path) {
            Ok(_) => Ok(Some(path)),
            Err(e) => Err(Error::AuthfileNotAccessible { source: StatError(e), path }),
        },
        None => Ok(from_env.filter(|p| !p.as_os_str().is_empty())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_must_exist_env_is_taken_as_is() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let present = dir.path().join("auth.json");
        std::fs::write(&present, "{}").unwrap_or_else(|e| panic!("{e}"));
        let missing = dir.path().join("missing.json");
        let env = Some(PathBuf::from("/env/auth.json"));
        type Case = (Option<PathBuf>, Option<PathBuf>, Result<Option<PathBuf>, String>);
        let cases: Vec<Case> = vec![
            (Some(present.clone()), env.clone(), Ok(Some(present.clone()))),
            (
                Some(missing.clone()),
                None,
                Err(format!(
                    "credential file is not accessible: stat {}: no such file or directory",
                    missing.display()
                )),
            ),
            (None, env.clone(), Ok(env.clone())),
            (None, Some(PathBuf::new()), Ok(None)),
            (None, None, Ok(None)),
        ];
        for (flag, from_env, want) in cases {
            let got = resolve_authfile(flag.clone(), from_env).map_err(|e| e.to_string());
            assert_eq!(got, want, "{flag:?}");
        }
    }
}
