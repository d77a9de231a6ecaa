//! Registry credentials from auth files (containers-auth.json(5) and Docker's config.json):
//! `{"auths": {"registry[:port]": {"auth": base64("user:password")}}}`.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A user name and password for one registry. `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({}, <hidden>)", self.username)
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct AuthFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(flatten)]
    other: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct AuthEntry {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    auth: String,
    #[serde(flatten)]
    other: BTreeMap<String, serde_json::Value>,
}

/// The auth files consulted, in order: the one given (`--authfile`, `REGISTRY_AUTH_FILE`)
/// alone, else containers' default locations (the user's own `user_default` first, when the
/// caller knows it) and then Docker's.
pub fn search_path(explicit: Option<&Path>, user_default: Option<&Path>) -> Vec<PathBuf> {
    if let Some(path) = explicit {
        return vec![path.to_path_buf()];
    }
    if let Some(path) = std::env::var_os("REGISTRY_AUTH_FILE") {
        return vec![PathBuf::from(path)];
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    let mut paths: Vec<PathBuf> = user_default.map(Path::to_path_buf).into_iter().collect();
    let config_home = std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from).unwrap_or_else(|| home.join(".config"));
    paths.push(config_home.join("containers/auth.json"));
    let docker = std::env::var_os("DOCKER_CONFIG").map(PathBuf::from).unwrap_or_else(|| home.join(".docker"));
    paths.push(docker.join("config.json"));
    paths
}

/// The file `login` and `logout` edit: `--authfile`, else `$REGISTRY_AUTH_FILE`, else the
/// user's default (`host::Host::containers_auth_file`; Podman's login honours the variable as
/// its pull does).
pub fn file_to_edit(explicit: Option<&Path>, user_default: &Path) -> PathBuf {
    explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("REGISTRY_AUTH_FILE").map(PathBuf::from))
        .unwrap_or_else(|| user_default.to_path_buf())
}

/// Fails unless an explicitly given auth file can be read (Podman 4.7+).
pub fn check_accessible(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .map(|_| ())
        .map_err(|e| Error::AuthFile { path: path.to_path_buf(), reason: e.to_string() })
}

/// Credentials for `registry` from the first file in `paths` that has them.
pub fn lookup(paths: &[PathBuf], registry: &str) -> Result<Option<Credentials>> {
    for path in paths {
        let Some(file) = read(path)? else { continue };
        let found = file.auths.iter().find(|(key, _)| normalize_key(key) == registry);
        if let Some((_, entry)) = found {
            return decode(path, &entry.auth).map(Some);
        }
    }
    Ok(None)
}

/// Stores credentials for `registry` in `path` (created with mode 0600, replaced atomically).
pub fn store(path: &Path, registry: &str, credentials: &Credentials) -> Result<()> {
    let mut file = read(path)?.unwrap_or_default();
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", credentials.username, credentials.password));
    file.auths.retain(|key, _| normalize_key(key) != registry);
    file.auths.insert(registry.to_string(), AuthEntry { auth: encoded, other: BTreeMap::new() });
    write(path, &file)
}

/// Removes `registry` (or every registry) from `path`; `false` when it had no entry.
pub fn remove(path: &Path, registry: Option<&str>) -> Result<bool> {
    let Some(mut file) = read(path)? else { return Ok(false) };
    let before = file.auths.len();
    match registry {
        Some(registry) => file.auths.retain(|key, _| normalize_key(key) != registry),
        None => file.auths.clear(),
    }
    let removed = file.auths.len() != before;
    write(path, &file)?;
    Ok(removed)
}

fn read(path: &Path) -> Result<Option<AuthFile>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(Error::AuthFile { path: path.to_path_buf(), reason: err.to_string() }),
    };
    if text.trim().is_empty() {
        return Ok(Some(AuthFile::default()));
    }
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| Error::AuthFile { path: path.to_path_buf(), reason: format!("invalid JSON: {e}") })
}

/// Replaces the auth file: the JSON goes to a new `0600` file with a random name in the same
/// directory (created exclusively, so nothing planted there is opened or followed), which is
/// then renamed over `path`. A symlink at `path` is replaced, not written through. A directory
/// rpod has to create for the file is `0700`; an existing one keeps its mode.
fn write(path: &Path, file: &AuthFile) -> Result<()> {
    let io = |source| Error::Io { path: path.to_path_buf(), source };
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    privatefs::create_dir_all(dir).map_err(io)?;
    let json = serde_json::to_vec_pretty(file)
        .map_err(|e| Error::AuthFile { path: path.to_path_buf(), reason: e.to_string() })?;
    let mut temp = tempfile::Builder::new().prefix(".auth-").suffix(".tmp").tempfile_in(dir).map_err(io)?;
    temp.as_file().set_permissions(std::fs::Permissions::from_mode(privatefs::FILE_MODE)).map_err(io)?;
    temp.write_all(&json).map_err(io)?;
    temp.as_file().sync_all().map_err(io)?;
    temp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// Keys may be written as `https://host/v1/` (Docker) or `host/namespace`; compare hosts.
fn normalize_key(key: &str) -> &str {
    let key = key.strip_prefix("https://").or_else(|| key.strip_prefix("http://")).unwrap_or(key);
    let host = key.split('/').next().unwrap_or(key);
    if host == "index.docker.io" {
        "docker.io"
    } else {
        host
    }
}

fn decode(path: &Path, auth: &str) -> Result<Credentials> {
    let invalid = || Error::AuthFile {
        path: path.to_path_buf(),
        reason: "an \"auth\" entry is not base64 of user:password".into(),
    };
    let bytes = base64::engine::general_purpose::STANDARD.decode(auth.trim()).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (username, password) = text.split_once(':').ok_or_else(invalid)?;
    Ok(Credentials { username: username.to_string(), password: password.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_lookup_remove_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("auth.json");
        let creds = Credentials { username: "u".into(), password: "p:w".into() };
        store(&path, "127.0.0.1:5000", &creds).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(lookup(std::slice::from_ref(&path), "127.0.0.1:5000").unwrap(), Some(creds));
        assert_eq!(lookup(std::slice::from_ref(&path), "quay.io").unwrap(), None);
        assert!(remove(&path, Some("127.0.0.1:5000")).unwrap());
        assert_eq!(lookup(&[path], "127.0.0.1:5000").unwrap(), None);
    }

    #[test]
    fn a_planted_symlink_is_replaced_not_followed_and_new_directories_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, r#"{"auths": {}}"#).unwrap();
        let auth_dir = dir.path().join("containers");
        std::fs::create_dir(&auth_dir).unwrap();
        let path = auth_dir.join("auth.json");
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        // What the old code wrote through: a predictable temporary name.
        let planted = auth_dir.join(format!(".{}.tmp", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        let creds = Credentials { username: "u".into(), password: "p".into() };
        store(&path, "127.0.0.1:5000", &creds).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), r#"{"auths": {}}"#, "the symlinks' target is untouched");
        let meta = std::fs::symlink_metadata(&path).unwrap();
        assert!(meta.is_file(), "the symlink was replaced by a file");
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        let names: Vec<String> = std::fs::read_dir(&auth_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "no temporary file is left: {names:?}");

        let fresh = dir.path().join("new/containers/auth.json");
        store(&fresh, "127.0.0.1:5000", &creds).unwrap();
        for new_dir in ["new", "new/containers"] {
            assert_eq!(
                std::fs::metadata(dir.path().join(new_dir)).unwrap().permissions().mode() & 0o777,
                0o700,
                "{new_dir}"
            );
        }
    }

    #[test]
    fn docker_style_keys_and_debug_hides_the_password() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(&path, r#"{"auths": {"https://index.docker.io/v1/": {"auth": "dXNlcjpzZWNyZXQ="}}}"#).unwrap();
        let creds = lookup(&[path], "docker.io").unwrap().unwrap();
        assert_eq!(creds.password, "secret");
        assert!(!format!("{creds:?}").contains("secret"));
    }

    #[test]
    fn broken_files_are_reported_by_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("auth.json");
        std::fs::write(&path, "{not json").unwrap();
        let err = lookup(std::slice::from_ref(&path), "x").unwrap_err().to_string();
        assert!(err.contains(&path.display().to_string()), "{err}");
    }
}
