//! `import`: a root filesystem tarball becomes a one-layer OCI image, so images can be made with
//! no other tool (tests, air-gapped hosts).

use std::io::{Read, Seek, SeekFrom, Write};

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::error::{io, Error, Result};
use crate::layers::stream::{DecompressionLimits, Uncompressed};
use crate::layers::unpack_layer;
use crate::manifest::Platform;
use crate::manifest::{RuntimeDefaults, OCI_CONFIG, OCI_LAYER_TAR, OCI_MANIFEST};
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
    /// `VOLUME`: destinations added to the image's, a JSON array or space-separated paths.
    Volume(Vec<String>),
}

impl Change {
    /// Parses `KEY=VALUE` or `KEY VALUE`; CMD and ENTRYPOINT take a JSON array or a shell
    /// command (run through `/bin/sh -c`).
    pub fn parse(text: &str) -> Result<Change> {
        let invalid =
            || Error::BadConfig(format!("invalid change {text:?}: want INSTRUCTION=VALUE, e.g. CMD=[\"/bin/sh\"]"));
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
            "VOLUME" => {
                let paths: Vec<String> =
                    serde_json::from_str(value).unwrap_or_else(|_| value.split(' ').map(str::to_string).collect());
                if paths.is_empty() || paths.iter().any(String::is_empty) {
                    return Err(invalid());
                }
                Change::Volume(paths)
            }
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
pub fn one_layer_image(
    layer_digest: &str,
    layer_size: u64,
    changes: &[Change],
    created: DateTime<Utc>,
) -> Result<OciImage> {
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
            Change::Volume(paths) => {
                let volumes = defaults.volumes.get_or_insert_with(Default::default);
                volumes.extend(paths.into_iter().map(|path| (path, json!({}))));
            }
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
    ///
    /// The tarball is decompressed (within [`DecompressionLimits::DEFAULT`]) into a staging
    /// directory inside the store, never `$TMPDIR`, and unpacked there by the same code that
    /// unpacks layers for containers: a tarball that could not be unpacked at `start` is refused
    /// now, and nothing is stored.
    pub fn import(&self, tarball: impl Read, name: Option<&str>, changes: &[Change]) -> Result<ImageRecord> {
        self.writer_lock().hold()?;
        let layers = self.layers_dir();
        std::fs::create_dir_all(&layers).map_err(io(&layers))?;
        // Under layers/, a staging directory a crash leaves behind is garbage the next prune
        // collects (it is no image's diff ID).
        let staging = tempfile::Builder::new().prefix(".import-").tempdir_in(&layers).map_err(io(&layers))?;
        let tar_path = staging.path().join("layer.tar");
        let tar = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&tar_path)
            .map_err(io(&tar_path))?;
        let (digest, size, mut tar) = decompress_and_hash(tarball, tar)?;
        if size == 0 {
            return Err(Error::NotATar("it is empty".into()));
        }
        tar.seek(SeekFrom::Start(0)).map_err(io(&tar_path))?;
        let rootfs = staging.path().join("rootfs");
        std::fs::create_dir(&rootfs).map_err(io(&rootfs))?;
        match unpack_layer(&mut tar, &rootfs, &digest) {
            Err(Error::LayerTar { source, .. }) => return Err(Error::NotATar(source.to_string())),
            other => other?,
        };
        tar.seek(SeekFrom::Start(0)).map_err(io(&tar_path))?;
        self.put_blob(&digest, tar)?;
        let image = one_layer_image(&digest, size, changes, Utc::now())?;
        self.blobs().put_bytes(&image.config)?;
        self.commit_image(&NewImage {
            manifest: image.manifest,
            list_digest: None,
            names: name.into_iter().map(str::to_string).collect(),
        })
    }
}

/// Copies the tarball, gunzipped when it is gzip, into `out`, returning its digest and size.
fn decompress_and_hash(tarball: impl Read, mut out: std::fs::File) -> Result<(String, u64, std::fs::File)> {
    let mut stream = Uncompressed::new(tarball, DecompressionLimits::DEFAULT).map_err(io("the tarball"))?;
    if let Err(err) = std::io::copy(&mut stream, &mut out) {
        return Err(match stream.exceeded() {
            Some(exceeded) => Error::DecompressionLimit { what: "the tarball".into(), exceeded },
            None => io("the tarball")(err),
        });
    }
    let (digest, size) = stream.finish().map_err(io("the tarball"))?;
    out.flush().map_err(io("the staged tarball"))?;
    Ok((digest, size, out))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A layer tar of one file, `bin/app`, holding `contents`.
    pub(crate) fn rootfs_tar(contents: &str) -> Vec<u8> {
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
        assert_eq!(
            Change::parse("CMD sleep 1").unwrap(),
            Change::Cmd(vec!["/bin/sh".into(), "-c".into(), "sleep 1".into()])
        );
        assert_eq!(Change::parse("ENV=A=b").unwrap(), Change::Env("A".into(), "b".into()));
        assert!(Change::parse("BOGUS=1").is_err());
        assert!(Change::parse("CMD=[broken").is_err());
        assert_eq!(Change::parse(r#"VOLUME=["/a","/b"]"#).unwrap(), Change::Volume(vec!["/a".into(), "/b".into()]));
        assert_eq!(Change::parse("VOLUME /a /b").unwrap(), Change::Volume(vec!["/a".into(), "/b".into()]));
        assert!(Change::parse("VOLUME=/a  /b").is_err(), "an empty path");
        assert!(Change::parse("VOLUME=[]").is_err());
    }

    #[test]
    fn volume_changes_add_up_in_the_image_config() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let changes = [Change::Volume(vec!["/var/lib/x".into()]), Change::Volume(vec!["/data".into()])];
        let record = store.import(&rootfs_tar("v")[..], None, &changes).unwrap();
        assert_eq!(record.config.volumes, ["/data", "/var/lib/x"]);
    }

    #[test]
    fn a_layer_blob_corrupted_in_storage_is_never_unpacked() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let image = store.import(&rootfs_tar("original")[..], None, &[]).unwrap();
        let blob = store.blobs().path(&image.layers[0].digest).unwrap();
        let tampered =
            String::from_utf8(std::fs::read(&blob).unwrap()).unwrap_or_default().replace("original", "tampered");
        std::fs::write(&blob, tampered).unwrap();
        let err = store.layer_dirs(&image.id).unwrap_err();
        assert!(matches!(&err, Error::DigestMismatch { expected, .. } if *expected == image.layers[0].digest), "{err}");
        assert_eq!(
            std::fs::read_dir(store.layers_dir()).unwrap().count(),
            0,
            "no layer directory, not even a temporary one"
        );
    }

    #[test]
    fn committing_an_image_again_keeps_its_names_and_adds_the_new_ones() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let image = store.import(&rootfs_tar("x")[..], Some("quay.io/x/app:1"), &[]).unwrap();
        let manifest = store.blobs().read(&image.manifest_digest).unwrap();
        // The same image pulled again under another tag, as a second pull or auto-update does.
        let again = store
            .commit_image(&NewImage {
                manifest,
                list_digest: Some(format!("sha256:{}", "b".repeat(64))),
                names: vec!["quay.io/x/app:2".into()],
            })
            .unwrap();
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
        let cases: &[(&str, &[u8])] =
            &[("empty", b""), ("text", b"hello\n"), ("truncated", &truncated), ("noise", &[0x5a; 2048])];
        for (what, input) in cases {
            let err = store.import(*input, Some("quay.io/x/bad:1"), &[]).unwrap_err();
            assert!(matches!(err, Error::NotATar(_)), "{what}: {err}");
        }
        assert!(store.list().unwrap().is_empty());
        assert!(store.blobs().list().unwrap().is_empty(), "no blob left behind");
    }

    #[test]
    fn import_refuses_a_layer_that_could_never_be_unpacked_and_stores_nothing() {
        use crate::layers::craft::CraftedTar;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let cases = [
            ("dotdot", CraftedTar::new().file("../x", "x")),
            ("through a host symlink", CraftedTar::new().symlink("esc", "/etc").file("esc/.wh.passwd", "")),
            ("hard link to nothing", CraftedTar::new().hard_link("h", "/etc/shadow")),
            ("volume label", CraftedTar::new().entry(b"label", b'V', b"", 0o644, b"")),
        ];
        for (what, tar) in cases {
            let err = store.import(&tar.finish()[..], Some("quay.io/x/bad:1"), &[]).expect_err(what);
            assert!(
                matches!(err, Error::UnsafeEntry { .. } | Error::EntryFailed { .. } | Error::MalformedEntry { .. }),
                "{what}: {err}"
            );
        }
        assert!(store.list().unwrap().is_empty());
        assert!(store.blobs().list().unwrap().is_empty(), "no blob left behind");
        assert_eq!(std::fs::read_dir(store.layers_dir()).unwrap().count(), 0, "no staging directory left behind");
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
        let v1 = store
            .import(&rootfs_tar("v1")[..], Some("quay.io/x/app:1"), &[Change::Cmd(vec!["/bin/app".into()])])
            .unwrap();
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
