//! The side effects auto-update needs, each behind a small trait: one real implementation
//! adapts rpod's stores, registry client and systemd client (in cmd), fakes drive the tests.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use image::RawImageName;
use libpod::ContainerConfig;

/// Errors of the backends are shown to the user verbatim after Podman's context prefix
/// (`checking image updates for container <id>: <error>`), so any error type will do.
pub type BackendError = Box<dyn std::error::Error + Send + Sync>;

/// A cause several containers report: one check or pull answers every container of that
/// image, and each container's [`Error`](crate::Error) keeps it as its source. A
/// [`BackendError`] becomes one with `SharedCause::from`.
pub type SharedCause = Arc<dyn std::error::Error + Send + Sync>;

/// What auto-update needs to know about a local image.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LocalImage {
    /// Config digest hex, 64 characters.
    pub id: String,
    /// Every manifest digest the image is known by (platform manifest and list digest). The
    /// image is up to date when the registry's digest is any of them.
    pub digests: Vec<String>,
    /// `os/arch[/variant]` of the image: the registry check resolves manifest lists for this
    /// platform, not the host's (Podman #6613).
    pub platform: String,
}

impl LocalImage {
    /// The digest shown as `OldDigest`/`NewDigest` in JSON reports: the first one recorded,
    /// which is the platform manifest's.
    pub fn display_digest(&self) -> Option<&str> {
        self.digests.first().map(String::as_str)
    }
}

/// Lists the containers auto-update looks at.
pub trait ContainerSource {
    /// Configurations of the containers that are running now; stopped containers are never
    /// updated (their unit is not running either).
    fn running_containers(&self) -> Result<Vec<ContainerConfig>, BackendError>;
    /// The running containers a unit runs now (label `PODMAN_SYSTEMD_UNIT`), with their health:
    /// what the watch window after an update looks at.
    fn unit_containers(&self, unit: &str) -> Result<Vec<Observed>, BackendError>;
}

/// One running container of a unit, as the watch window sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub id: String,
    pub name: String,
    pub health: Health,
}

/// A container's health check status (`State.Health.Status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// The container has no health check.
    None,
    Starting,
    Healthy,
    Unhealthy,
}

/// Time, for the watch window: real time in the command, a fake that jumps in tests.
#[allow(async_fn_in_trait)]
pub trait Clock {
    fn now(&self) -> Instant;
    async fn sleep(&self, duration: Duration);
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await
    }
}

/// The local image store.
pub trait ImageStore {
    /// The image with this full ID, if it still exists.
    fn image_by_id(&self, id: &str) -> Result<Option<LocalImage>, BackendError>;
    /// The image a name (as typed in `RawImageName`) resolves to now.
    fn image_by_name(&self, name: &RawImageName) -> Result<Option<LocalImage>, BackendError>;
    /// Points `name` at image `id` (rollback, and re-applying an update after another unit
    /// rolled the same name back).
    fn tag(&self, id: &str, name: &str) -> Result<(), BackendError>;
    /// Remembers image `id` as what `name` pointed at before its last successful update, so
    /// `image prune` keeps it for a rollback by hand (replacing the one remembered before).
    fn set_previous(&self, name: &str, id: &str) -> Result<(), BackendError>;
    /// The image remembered by [`ImageStore::set_previous`] for `name`, if it still exists.
    fn previous(&self, name: &str) -> Result<Option<LocalImage>, BackendError>;
}

/// One registry question: which digests `raw_image_name` has there now. A run asks each
/// distinct question once. It needs nothing from the local image (not even its platform: the
/// answer for a multi-arch tag is the list's digest, which the store keeps too), so a run asks
/// before it has read its image store.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegistryCheck {
    /// The image reference as the user typed it at create time.
    pub raw_image_name: RawImageName,
    /// Auth file (label `io.containers.autoupdate.authfile`, else `--authfile`).
    pub authfile: Option<PathBuf>,
    /// `--tls-verify` when given; `None` leaves it to registries.conf.
    pub tls_verify: Option<bool>,
}

/// One pull: auto-update pulls each raw name at most once per run.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RemoteRequest {
    /// The image reference as the user typed it at create time.
    pub raw_image_name: RawImageName,
    /// `os/arch[/variant]` to resolve a manifest list for.
    pub platform: String,
    /// Auth file (label `io.containers.autoupdate.authfile`, else `--authfile`).
    pub authfile: Option<PathBuf>,
    /// `--tls-verify` when given; `None` leaves it to registries.conf.
    pub tls_verify: Option<bool>,
}

/// The registry, reached over the network.
#[allow(async_fn_in_trait)]
pub trait Registry {
    /// The digests that identify what the registry serves for the request now: the
    /// platform's manifest digest, and the list digest when the tag is a list. A HEAD request
    /// where the registry allows it.
    async fn remote_digests(&self, check: &RegistryCheck) -> Result<Vec<String>, BackendError>;
    /// Pulls the reference into local storage (which tags `raw_image_name` to it).
    async fn pull(&self, request: &RemoteRequest) -> Result<LocalImage, BackendError>;
}

/// The systemd manager that runs the containers' units.
#[allow(async_fn_in_trait)]
pub trait UnitManager {
    /// Reaches the manager now, or says why it cannot (which socket or bus was tried). A run
    /// calls it before its first pull or tag: without the manager nothing can be restarted,
    /// and a rollback would leave the new image without a name for `image prune` to delete.
    async fn connect(&self) -> Result<(), BackendError>;
    /// Restarts the unit and waits for the job; `Ok` only when the job's result is `done`.
    async fn restart(&self, unit: &str) -> Result<(), BackendError>;
    /// Clears the unit's failed state and start-rate counter before a rollback restart.
    async fn reset_failed(&self, unit: &str) -> Result<(), BackendError>;
    /// The unit's `ActiveState`.
    async fn active_state(&self, unit: &str) -> Result<String, BackendError>;
    /// Units that require or are bound to this one; a restart takes them down and up too.
    async fn dependents(&self, unit: &str) -> Result<Vec<String>, BackendError>;
}
