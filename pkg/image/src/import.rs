//! `import`: a root filesystem tarball becomes a one-layer OCI image, so images can be made with
//! no other tool (tests, air-gapped hosts).

use std::io::{Read, Seek, SeekFrom, Write};

use chrono::{DateTime, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::error::{io, Error, Result};
use crate::manifest::{RuntimeDefaults, OCI_CONFIG, OCI_LAYER_TAR, OCI_MANIFEST};
use crate::manifest::Platform;
use crate::store::{ImageRecord, NewImage, Store};

/// A `--change` instruction (Dockerfile syntax subset Podman's import takes).
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Cmd(Vec<String>),
    Entrypoint(Vec<String>),
    Env(String, String),
    WorkDir(String),
    User(String),
    Label(String, String),
    StopSignal(String),
}

impl Change {
    /// Parses `KEY=VALUE` or `KEY VALUE`; CMD and ENTRYPOINT take a JSON array or a shell
    /// command (run through `/bin/sh -c`).
    pub fn parse(text: &str) -> Result<Change> {
        let invalid = || Error::BadConfig(format!("invalid change {text:?}: want INSTRUCTION=VALUE, e.g. CMD=[\"/bin/sh\"]"));
        let split = text.find(['=', ' ']).ok_or_else(invalid)?;
        let (key, value) = (text[..split].to_ascii_uppercase(), text[split + 1..].trim());
        let command = |value: &str| -> Result<Vec<String>> {
            if value.starts_with('[') {
                serde_json::from_str(value).map_err(|_| invalid())
            } else {
                Ok(vec!["/bin/sh".into(), "-c".into(), value.to_string()])
            }
        };
        let pair = |value: &str| -> Result<(String, String)> {
            let (k, v) = value.split_once(['=', ' ']).ok_or_else(invalid)?;
            Ok((k.to_string(), v.to_string()))
        };
        Ok(match key.as_str() {
            "CMD" => Change::Cmd(command(value)?),
            "ENTRYPOINT" => Change::Entrypoint(command(value)?),
            "ENV" => {
                let (k, v) = pair(value)?;
                Change::Env(k, v)
            }
            "WORKDIR" => Change::WorkDir(value.to_string()),
            "USER" => Change::User(value.to_string()),
            "LABEL" => {
                let (k, v) = pair(value)?;
                Change::Label(k, v)
            }
            "STOPSIGNAL" => Change::StopSignal(value.to_string()),
            _ => return Err(invalid()),
        })
    }
}

/// The blobs of a one-layer OCI image, ready to store or to publish to a registry.
#[derive(Debug, Clone)]
pub struct OciImage {
    pub manifest: Vec<u8>,
    pub config: Vec<u8>,
    /// Digest of the (uncompressed) layer tar, which is also its diff ID.
    pub layer_digest: String,
    pub layer_size: u64,
}

/// Builds config and manifest for a single uncompressed layer.
pub fn one_layer_image(layer_digest: &str, layer_size: u64, changes: &[Change], created: DateTime<Utc>) -> Result<OciImage> {
    let mut defaults = RuntimeDefaults::default();
    for change in changes {
        match change.clone() {
            Change::Cmd(cmd) => defaults.cmd = Some(cmd),
            Change::Entrypoint(entrypoint) => defaults.entrypoint = Some(entrypoint),
            Change::Env(k, v) => defaults.env.get_or_insert_with(Vec::new).push(format!("{k}={v}")),
            Change::WorkDir(dir) => defaults.working_dir = Some(dir),
            Change::User(user) => defaults.user = Some(user),
            Change::Label(k, v) => {
                defaults.labels.get_or_insert_with(Default::default).insert(k, v);
            }
            Change::StopSignal(signal) => defaults.stop_signal = Some(signal),
        }
    }
    let platform = Platform::host();
    let config = serde_json::to_vec(&json!({
        "created": created,
        "architecture": platform.architecture,
        "os": platform.os,
        "config": defaults,
        "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
        "history": [{"created": created, "created_by": "rpod import"}],
    }))
    .map_err(|e| Error::BadConfig(e.to_string()))?;
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": crate::blobs::sha256_digest(&config), "size": config.len()},
        "layers": [{"mediaType": OCI_LAYER_TAR, "digest": layer_digest, "size": layer_size}],
    }))
    .map_err(|e| Error::BadManifest(e.to_string()))?;
    Ok(OciImage { manifest, config, layer_digest: layer_digest.to_string(), layer_size })
}

impl Store {
    /// Imports a rootfs tarball (plain or gzip) as a new image named `name`, if given.
    pub fn import(&self, tarball: impl Read, name: Option<&str>, changes: &[Change]) -> Result<ImageRecord> {
        let staging = tempfile::tempfile().map_err(io("a temporary file"))?;
        let (digest, size, mut staging) = decompress_and_hash(tarball, staging)?;
        staging.seek(SeekFrom::Start(0)).map_err(io("a temporary file"))?;
        check_tar(&mut staging)?;
        staging.seek(SeekFrom::Start(0)).map_err(io("a temporary file"))?;
        self.put_blob(&digest, staging)?;
        let image = one_layer_image(&digest, size, changes, Utc::now())?;
        self.blobs().put_bytes(&image.config)?;
        self.commit_image(&NewImage { manifest: image.manifest, list_digest: None, names: name.into_iter().map(str::to_string).collect() })
    }
}

/// Reads every entry header so that a file that is no tar archive (or a truncated one) is refused
/// before anything is stored.
fn check_tar(file: &mut std::fs::File) -> Result<()> {
    if file.metadata().map_err(io("a temporary file"))?.len() == 0 {
        return Err(Error::NotATar("it is empty".into()));
    }
    let mut archive = tar::Archive::new(file);
    let entries = archive.entries().map_err(|e| Error::NotATar(e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| Error::NotATar(e.to_string()))?;
        std::io::copy(&mut entry, &mut std::io::sink()).map_err(|e| Error::NotATar(e.to_string()))?;
    }
    Ok(())
}

/// Copies the tarball, gunzipped when it is gzip, into `out`, returning its digest and size.
fn decompress_and_hash(tarball: impl Read, mut out: std::fs::File) -> Result<(String, u64, std::fs::File)> {
    let mut reader = std::io::BufReader::new(tarball);
    let gzip = std::io::BufRead::fill_buf(&mut reader).map_err(io("the tarball"))?.starts_with(&[0x1f, 0x8b]);
    let mut reader: Box<dyn Read> = if gzip { Box::new(flate2::read::GzDecoder::new(reader)) } else { Box::new(reader) };
    let (mut hasher, mut size, mut buf) = (Sha256::new(), 0u64, vec![0u8; 64 * 1024]);
    loop {
        let n = reader.read(&mut buf).map_err(io("the tarball"))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(io("a temporary file"))?;
        size += n as u64;
    }
    Ok((format!("sha256:{}", hex::encode(hasher.finalize())), size, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rootfs_tar(contents: &str) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(contents.len() as u64);
        header.set_mode(0o755);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(0);
        builder.append_data(&mut header, "bin/app", contents.as_bytes()).unwrap();
        builder.into_inner().unwrap()
    }

    #[test]
    fn changes_parse() {
        assert_eq!(Change::parse(r#"CMD=["top","-b"]"#).unwrap(), Change::Cmd(vec!["top".into(), "-b".into()]));
        assert_eq!(Change::parse("CMD sleep 1").unwrap(), Change::Cmd(vec!["/bin/sh".into(), "-c".into(), "sleep 1".into()]));
        assert_eq!(Change::parse("ENV=A=b").unwrap(), Change::Env("A".into(), "b".into()));
        assert!(Change::parse("BOGUS=1").is_err());
        assert!(Change::parse("CMD=[broken").is_err());
    }

    #[test]
    fn a_layer_blob_corrupted_in_storage_is_never_unpacked() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let image = store.import(&rootfs_tar("original")[..], None, &[]).unwrap();
        let blob = store.blobs().path(&image.layers[0].digest).unwrap();
        let tampered = String::from_utf8(std::fs::read(&blob).unwrap()).unwrap_or_default().replace("original", "tampered");
        std::fs::write(&blob, tampered).unwrap();
        let err = store.layer_dirs(&image.id).unwrap_err();
        assert!(matches!(&err, Error::DigestMismatch { expected, .. } if *expected == image.layers[0].digest), "{err}");
        assert_eq!(std::fs::read_dir(store.layers_dir()).unwrap().count(), 0, "no layer directory, not even a temporary one");
    }

    #[test]
    fn committing_an_image_again_keeps_its_names_and_adds_the_new_ones() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let image = store.import(&rootfs_tar("x")[..], Some("quay.io/x/app:1"), &[]).unwrap();
        let manifest = store.blobs().read(&image.manifest_digest).unwrap();
        // The same image pulled again under another tag, as a second pull or auto-update does.
        let again = store.commit_image(&NewImage { manifest, list_digest: Some(format!("sha256:{}", "b".repeat(64))), names: vec!["quay.io/x/app:2".into()] }).unwrap();
        assert_eq!(again.id, image.id);
        assert_eq!(again.names, ["quay.io/x/app:1", "quay.io/x/app:2"]);
        assert_eq!(again.digests.len(), 2, "the list digest joins the manifest digest");
    }

    #[test]
    fn import_refuses_what_is_no_tar_and_stores_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut truncated = rootfs_tar("a longer file body");
        truncated.truncate(600);
        let cases: &[(&str, &[u8])] = &[("empty", b""), ("text", b"hello\n"), ("truncated", &truncated), ("noise", &[0x5a; 2048])];
        for (what, input) in cases {
            let err = store.import(*input, Some("quay.io/x/bad:1"), &[]).unwrap_err();
            assert!(matches!(err, Error::NotATar(_)), "{what}: {err}");
        }
        assert!(store.list().unwrap().is_empty());
        assert!(store.blobs().list().unwrap().is_empty(), "no blob left behind");
    }

    #[test]
    fn short_names_live_under_localhost_and_are_found_like_podman_finds_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let image = store.import(&rootfs_tar("x")[..], Some("app:1"), &[]).unwrap();
        assert_eq!(image.names, ["localhost/app:1"]);
        store.tag(&image.id, "quay.io/team/web:2").unwrap();
        store.tag(&image.id, "docker.io/library/hub").unwrap();
        let digest = &image.manifest_digest;
        let cases = [
            ("app:1", Some("localhost/app:1")),
            ("localhost/app:1", Some("localhost/app:1")),
            ("docker://app:1", Some("localhost/app:1")),
            ("app", None),
            ("web:2", Some("quay.io/team/web:2")),
            ("team/web:2", Some("quay.io/team/web:2")),
            ("eam/web:2", None),
            ("web", None),
            ("hub", Some("docker.io/library/hub:latest")),
            ("quay.io/web:2", None),
        ];
        for (name, want) in cases {
            let got = store.lookup_name(name).unwrap().map(|(n, r)| {
                assert_eq!(r.id, image.id);
                n
            });
            assert_eq!(got.as_deref(), want, "{name}");
        }
        assert!(store.lookup_name(&format!("web@{digest}")).unwrap().is_some());
        assert!(store.lookup_name(&format!("quay.io/team/web@{digest}")).unwrap().is_some());
        assert!(store.lookup_name(&format!("quay.io/other/web@{digest}")).unwrap().is_none());
        let pinned = format!("localhost:5000/pinned@{digest}");
        assert!(matches!(store.tag(&image.id, &pinned), Err(Error::TagByDigest(_))));
        let manifest = store.blobs().read(digest).unwrap();
        store.commit_image(&NewImage { manifest, list_digest: None, names: vec![pinned.clone()] }).unwrap();
        assert_eq!(store.lookup_name(&pinned).unwrap().map(|(n, _)| n), Some(pinned.clone()), "a digest-only name");
        let record = store.get(&image.id).unwrap();
        assert_eq!(record.tagged_names(), ["docker.io/library/hub:latest", "localhost/app:1", "quay.io/team/web:2"]);
        assert!(record.repo_tags().contains(&("localhost:5000/pinned".to_string(), "<none>".to_string())));
        assert!(record.repo_tags().contains(&("quay.io/team/web".to_string(), "2".to_string())));
        let repo_digests = record.repo_digests();
        assert_eq!(repo_digests.len(), 4, "one per repository: {repo_digests:?}");
        assert!(repo_digests.contains(&pinned));
        assert!(matches!(store.untag("nope:1"), Err(Error::TagNotKnown(n)) if n == "localhost/nope:1"));
        store.untag("app:1").unwrap();
        assert!(store.lookup("app:1").unwrap().is_none());
    }

    #[test]
    fn import_lookup_retag_and_dangling() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let v1 = store.import(&rootfs_tar("v1")[..], Some("quay.io/x/app:1"), &[Change::Cmd(vec!["/bin/app".into()])]).unwrap();
        assert_eq!(v1.names, ["quay.io/x/app:1"]);
        assert_eq!(v1.config.cmd, ["/bin/app"]);
        assert_eq!(store.lookup("quay.io/x/app:1").unwrap().unwrap().id, v1.id);
        assert_eq!(store.lookup(&v1.id[..12]).unwrap().unwrap().id, v1.id);
        assert_eq!(store.lookup(&format!("sha256:{}", v1.id)).unwrap().unwrap().id, v1.id);
        assert!(store.lookup("quay.io/x/other").unwrap().is_none());
        let digest_ref = format!("quay.io/x/app@{}", v1.manifest_digest);
        assert_eq!(store.lookup(&digest_ref).unwrap().unwrap().id, v1.id);

        let v2 = store.import(&rootfs_tar("v2")[..], Some("quay.io/x/app:1"), &[]).unwrap();
        assert_ne!(v1.id, v2.id);
        assert!(store.get(&v1.id).unwrap().names.is_empty(), "the old image is dangling");
        store.tag(&v1.id, "quay.io/x/app:1").unwrap();
        assert_eq!(store.lookup("quay.io/x/app:1").unwrap().unwrap().id, v1.id, "rollback re-tag");

        let layers = store.layer_dirs(&v1.id).unwrap();
        assert_eq!(std::fs::read_to_string(layers[0].join("bin/app")).unwrap(), "v1");
        store.remove(&v2.id).unwrap();
        assert!(store.prune_blobs().unwrap() >= 2, "v2's layer and config blobs go");
        assert!(store.layer_dirs(&v1.id).is_ok(), "v1 keeps its blobs");
    }
}
