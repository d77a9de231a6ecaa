//! Resolving the IMAGE argument of `create`/`run` to a local image, pulling per `--pull`.

use anyhow::Context;
use image::reference::{self, ImageReference};
use libpod::{ImageArgKind, ImageDefaults};

use crate::global::GlobalArgs;
use crate::registry_access::{self, RegistryArgs};

/// Classifies the image argument for the auto-update validation.
pub fn classify(raw: &str) -> anyhow::Result<ImageArgKind<'_>> {
    if let Some(transport) = reference::transport_of(raw) {
        if transport != "docker" {
            return Ok(ImageArgKind::Transport(transport));
        }
    }
    let name = raw.strip_prefix("docker://").unwrap_or(raw);
    Ok(if reference::is_short_name(name) { ImageArgKind::ShortName } else { ImageArgKind::FullyQualified })
}

/// Finds the image locally, pulling it as `--pull` says: `missing` (default) pulls when it is
/// not here, `always` every time, `newer` when the registry's digest is none of the local
/// image's (one HEAD), `never` only looks locally.
pub fn resolve(global: &GlobalArgs, raw: &str, pull: &str, registry_args: &RegistryArgs) -> anyhow::Result<ImageDefaults> {
    let name = raw.strip_prefix("docker://").unwrap_or(raw);
    let store = image::Store::open(&global.root_dir())?;
    let local = store.lookup(name)?;
    let record = match (local, pull) {
        (Some(record), "missing" | "never") => record,
        (Some(record), "newer") if !registry_has_other(registry_args, name, &record) => record,
        (None, "never") => anyhow::bail!("{raw}: image not known"),
        _ => registry_access::pull(&registry_args.registry()?, &store, raw, &image::Platform::host(), false)
            .with_context(|| format!("{raw}: image not known locally and pulling it failed"))?,
    };
    // The stored name the argument found (a short name may live under localhost/), else its
    // normalized form, else the image's first name (an ID was given).
    let normalized = match (store.lookup_name(name)?, ImageReference::parse(name)) {
        (Some((found, _)), _) if record.names.contains(&found) => found,
        (_, Ok(reference)) => reference.to_string(),
        (_, Err(_)) => record.names.first().cloned().unwrap_or_default(),
    };
    let config = &record.config;
    Ok(ImageDefaults {
        id: record.id.clone(),
        name: normalized,
        entrypoint: config.entrypoint.clone(),
        cmd: config.cmd.clone(),
        env: config.env.clone(),
        working_dir: config.working_dir.clone(),
        user: config.user.clone(),
    })
}

/// Whether the registry now serves a digest that is none of `record`'s. A registry that cannot
/// be asked leaves the local image in use (with a warning), as Podman's `--pull=newer` does.
fn registry_has_other(registry_args: &RegistryArgs, name: &str, record: &image::ImageRecord) -> bool {
    if reference::is_short_name(name) {
        // rpod pulls only fully qualified names; a short one can only mean the local image.
        return false;
    }
    let check = || -> anyhow::Result<String> {
        let reference = ImageReference::parse(name)?;
        Ok(registry_access::block_on(registry_args.registry()?.manifest_digest(&reference))??)
    };
    match check() {
        Ok(digest) => digest != record.manifest_digest && !record.digests.contains(&digest),
        Err(err) => {
            tracing::warn!("{name}: checking for a newer image failed, using the local one: {err:#}");
            false
        }
    }
}
