//! The IMAGE argument of `create`/`run`, found or pulled by the registry crate's one path
//! ([`registry::resolve_image`]) with this command's flags and pull progress on stderr, and
//! turned into the defaults libpod makes the container from.

use image::{Platform, PullPolicy, RawImageName};
use libpod::ImageDefaults;

use crate::global::GlobalArgs;
use crate::pull_progress;
use crate::registry_access::{self, RegistryArgs};

/// The local image `raw` names, pulled as `policy` says, as the container's defaults.
pub fn resolve(
    global: &GlobalArgs,
    raw: &RawImageName,
    policy: PullPolicy,
    registry_args: &RegistryArgs,
) -> anyhow::Result<ImageDefaults> {
    let store = image::Store::open(&global.root_dir())?;
    let progress = pull_progress::stderr(false);
    let client = || registry_args.registry(&global.host);
    let resolved = registry_access::block_on(registry::resolve_image(
        &store,
        raw,
        policy,
        &Platform::host(),
        &client,
        progress.as_ref(),
    ))??;
    let (record, name) = (resolved.record, resolved.name);
    Ok(ImageDefaults {
        id: record.id,
        name,
        entrypoint: record.config.entrypoint,
        cmd: record.config.cmd,
        env: record.config.env,
        working_dir: record.config.working_dir,
        user: record.config.user,
        volumes: record.config.volumes,
        exposed_ports: record.config.exposed_ports,
        healthcheck: record.config.healthcheck,
    })
}
