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
        raw: RawImageName,
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
                .map_err(|source| ResolveError::Pull { raw: raw.clone(), source })?
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
async fn registry_serves_other(raw: &RawImageName, record: &ImageRecord, client: &dyn Fn() -> Result<RegistryClient>) -> bool {
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
