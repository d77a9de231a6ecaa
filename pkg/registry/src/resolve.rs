//! From an image argument to a local image: the one path `create`/`run` (with `--pull`),
//! `pull` and auto-update take. It checks short names, prints `Trying to pull …` and the pull's
//! progress through the caller's [`PullProgress`], and names the image it found.
//!
//! It lives in the registry crate because it needs both the image store and the registry
//! client: `pkg/image` stays free of network code (it does not depend on this crate), and this
//! crate already depends on `pkg/image`. It returns image-store types, not libpod's, so the
//! commands that make containers and auto-update, which makes none, share it.

use image::{ImageRecord, Platform, PullPolicy, RawImageName};

use crate::client::RegistryClient;
use crate::error::{Error, Result};
use crate::progress::PullProgress;

/// The local image an argument resolved to.
#[derive(Debug, Clone)]
pub struct ResolvedImage {
    pub record: ImageRecord,
    /// The stored name the argument found (a short name may live under `localhost/`), else its
    /// normalized form, else the image's first name (an ID was given).
    pub name: String,
}

/// Why an argument found no image.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// The image store failed, or `--pull=never` and no local image has the name (Podman:
    /// `<name>: image not known`).
    #[error(transparent)]
    Store(#[from] image::Error),
    /// The registry client could not be made (an unreadable `--authfile`, registries.conf).
    #[error(transparent)]
    Client(Error),
    /// The image had to be pulled, and the pull failed.
    #[error("{raw}: image not known locally and pulling it failed")]
    Pull {
        /// The argument as typed.
        raw: String,
        #[source]
        source: Error,
    },
}

/// Finds the image `raw` names locally, pulling it as `policy` says: `missing` pulls when it
/// is not here, `always` every time, `newer` when the registry's digest is none of the local
/// image's (one HEAD), `never` only looks locally. `client` is called only when the registry
/// must be asked, so an image found locally needs neither registries.conf nor credentials.
pub async fn resolve_image(
    store: &image::Store,
    raw: &RawImageName,
    policy: PullPolicy,
    platform: &Platform,
    client: &dyn Fn() -> Result<RegistryClient>,
    progress: &dyn PullProgress,
) -> Result<ResolvedImage, ResolveError> {
    let local = store.find(raw)?;
    let record = match (local, policy) {
        (Some(record), PullPolicy::Missing | PullPolicy::Never) => record,
        (Some(record), PullPolicy::Newer) if !registry_serves_other(raw, &record, client).await => record,
        (None, PullPolicy::Never) => return Err(image::Error::NotKnown(raw.to_string()).into()),
        _ => {
            let client = client().map_err(ResolveError::Client)?;
            pull_image(&client, store, raw, platform, progress)
                .await
                .map_err(|source| ResolveError::Pull { raw: raw.to_string(), source })?
        }
    };
    let name = match (store.find_name(raw)?, raw.reference()) {
        (Some((found, _)), _) if record.names.contains(&found) => found,
        (_, Ok(reference)) => reference.to_string(),
        (_, Err(_)) => record.names.first().cloned().unwrap_or_default(),
    };
    Ok(ResolvedImage { record, name })
}

/// Pulls `raw` for `platform` into `store`, starting with Podman's `Trying to pull <name>...`.
/// rpod pulls only fully qualified names: it has no unqualified-search registries.
pub async fn pull_image(
    client: &RegistryClient,
    store: &image::Store,
    raw: &RawImageName,
    platform: &Platform,
    progress: &dyn PullProgress,
) -> Result<ImageRecord> {
    if raw.is_short_name() {
        return Err(Error::UnqualifiedShortName(raw.to_string()));
    }
    let reference = raw.reference()?;
    progress.line(&format!("Trying to pull {reference}..."));
    client.pull(reference, store, platform, progress).await
}

/// Whether the registry now serves a digest that is none of `record`'s. A registry that cannot
/// be asked leaves the local image in use (with a warning), as Podman's `--pull=newer` does.
async fn registry_serves_other(
    raw: &RawImageName,
    record: &ImageRecord,
    client: &dyn Fn() -> Result<RegistryClient>,
) -> bool {
    if raw.is_short_name() {
        // rpod pulls only fully qualified names; a short one can only mean the local image.
        return false;
    }
    let check = async {
        let reference = raw.reference()?;
        client()?.manifest_digest(reference).await
    };
    match check.await {
        Ok(digest) => digest != record.manifest_digest && !record.digests.contains(&digest),
        Err(err) => {
            tracing::warn!("{}: checking for a newer image failed, using the local one: {err}", raw.name());
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store holding one imported image named `name`.
    fn store_with(name: &str) -> (tempfile::TempDir, image::Store, ImageRecord) {
        let dir = tempfile::tempdir().unwrap();
        let store = image::Store::open(dir.path()).unwrap();
        let record = store.import(&tar_of_one_file()[..], Some(name), &[]).unwrap();
        (dir, store, record)
    }

    /// A ustar archive holding `bin/app` ("hi"), written by hand: this crate has no tar writer.
    fn tar_of_one_file() -> Vec<u8> {
        let mut header = [0u8; 512];
        for (at, field) in [
            (0, &b"bin/app"[..]),
            (100, b"0000755\0"),
            (108, b"0000000\0"),
            (116, b"0000000\0"),
            (124, b"00000000002\0"),
            (136, b"00000000000\0"),
            (148, b"        "),
            (156, b"0"),
            (257, b"ustar\0"),
            (263, b"00"),
        ] {
            header[at..at + field.len()].copy_from_slice(field);
        }
        let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
        header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        let mut archive = header.to_vec();
        archive.extend_from_slice(b"hi");
        archive.resize(512 * 2 + 1024, 0);
        archive
    }

    fn no_client() -> Result<RegistryClient> {
        panic!("the registry must not be asked")
    }

    fn resolve(store: &image::Store, raw: &str, policy: PullPolicy) -> Result<ResolvedImage, ResolveError> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let silent = |_: &str| {};
        runtime.block_on(resolve_image(store, &raw.into(), policy, &Platform::host(), &no_client, &silent))
    }

    #[test]
    fn a_local_image_is_used_without_asking_the_registry() {
        let (_dir, store, record) = store_with("quay.io/team/app:1");
        for policy in [PullPolicy::Missing, PullPolicy::Never] {
            for raw in ["quay.io/team/app:1", "docker://quay.io/team/app:1", "app:1", "team/app:1"] {
                let resolved = resolve(&store, raw, policy).unwrap();
                assert_eq!(
                    (resolved.record.id.as_str(), resolved.name.as_str()),
                    (record.id.as_str(), "quay.io/team/app:1"),
                    "{raw}"
                );
            }
        }
        assert_eq!(resolve(&store, &record.id[..12], PullPolicy::Never).unwrap().record.id, record.id, "an ID prefix");
        // A short name is never checked against a registry, even with --pull=newer.
        assert_eq!(resolve(&store, "app:1", PullPolicy::Newer).unwrap().record.id, record.id);
    }

    #[test]
    fn a_short_name_lives_under_localhost() {
        let (_dir, store, _) = store_with("app:1");
        assert_eq!(resolve(&store, "app:1", PullPolicy::Never).unwrap().name, "localhost/app:1");
    }

    #[test]
    fn never_pulls_and_names_the_argument_as_typed() {
        let (_dir, store, _) = store_with("quay.io/team/app:1");
        let err = resolve(&store, "docker://quay.io/team/app:2", PullPolicy::Never).unwrap_err();
        assert_eq!(err.to_string(), "docker://quay.io/team/app:2: image not known");
    }

    #[test]
    fn a_client_that_cannot_be_made_is_the_error() {
        let (_dir, store, _) = store_with("quay.io/team/app:1");
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let broken = || Err(Error::Blocked("quay.io".into()));
        let silent = |_: &str| {};
        let raw = "quay.io/team/app:1".into();
        let err = runtime
            .block_on(resolve_image(&store, &raw, PullPolicy::Always, &Platform::host(), &broken, &silent))
            .unwrap_err();
        assert!(matches!(err, ResolveError::Client(Error::Blocked(_))), "{err:?}");
    }
}
