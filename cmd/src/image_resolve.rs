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
/// not here, `always` and `newer` pull every time, `never` only looks locally.
pub fn resolve(global: &GlobalArgs, raw: &str, pull: &str, registry_args: &RegistryArgs) -> anyhow::Result<ImageDefaults> {
    let name = raw.strip_prefix("docker://").unwrap_or(raw);
    let store = image::Store::open(&global.root_dir())?;
    let local = store.lookup(name)?;
    let record = match (local, pull) {
        (Some(record), "missing" | "never") => record,
        (None, "never") => anyhow::bail!("{raw}: image not known"),
        _ => registry_access::pull(&registry_args.registry()?, &store, raw, &image::Platform::host(), false)
            .with_context(|| format!("{raw}: image not known locally and pulling it failed"))?,
    };
    let normalized = match ImageReference::parse(name) {
        Ok(reference) => reference.to_string(),
        Err(_) => record.names.first().cloned().unwrap_or_default(),
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
