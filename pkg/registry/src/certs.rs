//! Extra certificate authorities per registry, as containers-certs.d(5) and Podman's
//! `--cert-dir` define them: every `*.crt` file is a PEM root trusted for that registry only,
//! on top of the system's roots. Client certificates (`*.cert`/`*.key`) are not supported.

use std::path::{Path, PathBuf};

use oci_client::client::{Certificate, CertificateEncoding};

use crate::error::{Error, Result};

/// The directories whose `*.crt` files are trusted for `host` (`host[:port]`): `cert_dir`
/// alone when given (`--cert-dir`), else `$XDG_CONFIG_HOME/containers/certs.d/HOST` (or
/// `~/.config/…`), `/etc/containers/certs.d/HOST` and `/etc/docker/certs.d/HOST`.
pub fn search_dirs(cert_dir: Option<&Path>, host: &str) -> Vec<PathBuf> {
    if let Some(dir) = cert_dir {
        return vec![dir.to_path_buf()];
    }
    let config_home = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
    let mut dirs: Vec<PathBuf> = config_home.into_iter().map(|c| c.join("containers/certs.d")).collect();
    dirs.extend([PathBuf::from("/etc/containers/certs.d"), PathBuf::from("/etc/docker/certs.d")]);
    dirs.into_iter().map(|d| d.join(host)).collect()
}

/// The certificates of every `*.crt` file in `dirs` (missing directories are skipped; an
/// unreadable file is an error naming it), in name order.
pub fn load(dirs: &[PathBuf]) -> Result<Vec<Certificate>> {
    let mut certs = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| Some(e.ok()?.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "crt"))
            .collect();
        files.sort();
        for path in files {
            let data = std::fs::read(&path).map_err(|source| Error::Io { path: path.clone(), source })?;
            certs.push(Certificate { encoding: CertificateEncoding::Pem, data });
        }
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cert_dir_replaces_the_default_search() {
        assert_eq!(search_dirs(Some(Path::new("/certs")), "r:5000"), [PathBuf::from("/certs")]);
        let dirs = search_dirs(None, "r:5000");
        assert!(dirs.contains(&PathBuf::from("/etc/containers/certs.d/r:5000")), "{dirs:?}");
        assert_eq!(dirs.last(), Some(&PathBuf::from("/etc/docker/certs.d/r:5000")));
    }

    #[test]
    fn only_crt_files_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        for (name, body) in [("b.crt", "B"), ("a.crt", "A"), ("client.cert", "C"), ("client.key", "K")] {
            std::fs::write(dir.path().join(name), body).unwrap();
        }
        let certs = load(&[dir.path().to_path_buf(), dir.path().join("missing")]).unwrap();
        let bodies: Vec<&[u8]> = certs.iter().map(|c| c.data.as_slice()).collect();
        assert_eq!(bodies, [b"A".as_slice(), b"B".as_slice()]);
    }
}
