//! Test helpers: builders and one fake world that implements every backend, so scenarios can
//! say "this image is broken in that unit" and observe tags, pulls and restarts.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use image::RawImageName;
use libpod::config::{AUTO_UPDATE_LABEL, SYSTEMD_UNIT_ENV};
use libpod::ContainerConfig;

use crate::backends::{
    BackendError, Clock, ContainerSource, Health, ImageStore, LocalImage, Observed, Registry, RegistryCheck,
    RemoteRequest, UnitManager,
};
use crate::policy::Policy;
use crate::task::Task;

/// A linux/amd64 image.
pub fn image(id: &str, digests: &[&str]) -> LocalImage {
    LocalImage {
        id: id.into(),
        digests: digests.iter().map(|d| d.to_string()).collect(),
        platform: "linux/amd64".into(),
    }
}

/// A task of container `name` (its ID derived from the name).
pub fn task(name: &str, policy: Policy, raw: &str, image: LocalImage) -> Task {
    Task {
        container_id: container(name, &[], raw, &image.id).id,
        container_name: name.into(),
        raw_image_name: raw.into(),
        policy,
        image,
        authfile: None::<PathBuf>,
        watch: None,
    }
}

/// A container configuration with the given labels.
pub fn container(name: &str, labels: &[(&str, &str)], raw: &str, image_id: &str) -> ContainerConfig {
    let id = format!("{:0<64}", hex_name(name));
    ContainerConfig {
        id,
        name: name.to_string(),
        create_command: vec![],
        raw_image_name: raw.into(),
        rootfs_image_id: image_id.to_string(),
        rootfs_image_name: String::new(),
        labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        stop_timeout: 10,
        created_time: chrono::DateTime::UNIX_EPOCH,
        entrypoint: vec![],
        command: vec![],
        env: vec![],
        work_dir: String::new(),
        user: String::new(),
        hostname: String::new(),
        network_mode: String::new(),
        restart_policy: String::new(),
        restart_retries: None,
        sdnotify_mode: Default::default(),
        cgroups_mode: String::new(),
        auto_remove: false,
        conmon_pid_file: String::new(),
        log_path: String::new(),
        oci_runtime: String::new(),
        ..Default::default()
    }
}

fn hex_name(name: &str) -> String {
    name.bytes().map(|b| format!("{:x}", b % 16)).collect()
}

/// A running container of `unit` with policy label `policy` on image `image_id`.
pub fn managed(name: &str, unit: &str, policy: &str, raw: &str, image_id: &str) -> ContainerConfig {
    container(name, &[(AUTO_UPDATE_LABEL, policy), (SYSTEMD_UNIT_ENV, unit)], raw, image_id)
}

/// What the registry serves for one name.
pub enum Remote {
    /// The digests announced and the image a pull yields.
    Serves(Vec<String>, LocalImage),
    /// The check fails with this reason.
    CheckFails(String),
    /// The check answers, but the pull fails with this reason.
    PullFails(Vec<String>, String),
}

/// How an image goes bad some time after its unit started on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sickness {
    /// Its health check starts failing.
    Unhealthy,
    /// Its process exits: the unit fails.
    Exits,
}

/// A clock that only moves when slept on.
pub struct FakeClock {
    start: Instant,
    elapsed: Mutex<Duration>,
}

impl Default for FakeClock {
    fn default() -> Self {
        FakeClock { start: Instant::now(), elapsed: Mutex::new(Duration::ZERO) }
    }
}

impl FakeClock {
    /// Fake time since the clock was made.
    pub fn elapsed(&self) -> Duration {
        *lock(&self.elapsed)
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Instant {
        self.start + self.elapsed()
    }

    async fn sleep(&self, duration: Duration) {
        *lock(&self.elapsed) += duration;
    }
}

/// Containers, images, a registry and a systemd manager in memory. Restarting a unit fails
/// when one of its containers' names is tagged to an image listed as broken for that unit.
#[derive(Default)]
pub struct World {
    pub containers: Vec<ContainerConfig>,
    pub images: Mutex<HashMap<String, LocalImage>>,
    pub tags: Mutex<HashMap<String, String>>,
    /// Each name's previous image (`set_previous`).
    pub previous: Mutex<HashMap<String, String>>,
    pub remote: HashMap<String, Remote>,
    /// (unit, image ID) pairs that do not start.
    pub broken: HashSet<(String, String)>,
    pub dependents: HashMap<String, Vec<String>>,
    /// Dependents that stay down after their required unit restarts.
    pub fragile: HashSet<String>,
    pub states: Mutex<HashMap<String, String>>,
    /// The manager cannot be reached, for this reason: connecting and every call fail.
    pub manager_down: Option<String>,
    /// Images (by ID) that go bad this long after a unit started on them.
    pub sick: HashMap<String, (Duration, Sickness)>,
    /// Per container name, the image it was last started on and when (fake time).
    pub started: Mutex<HashMap<String, (String, Duration)>>,
    pub clock: FakeClock,
    /// Restarts in flight now, and the most there ever were at once.
    pub in_flight: Mutex<(usize, usize)>,
    /// Every side effect, in order: `check NAME`, `pull NAME`, `tag ID NAME`, `previous ID NAME`,
    /// `restart UNIT`, `reset-failed UNIT`.
    pub log: Mutex<Vec<String>>,
}

impl World {
    /// Adds a local image and tags it `name`.
    pub fn with_image(self, name: &str, image: LocalImage) -> Self {
        lock(&self.tags).insert(name.into(), image.id.clone());
        lock(&self.images).insert(image.id.clone(), image);
        self
    }

    /// The side effects so far that start with `prefix`.
    pub fn logged(&self, prefix: &str) -> Vec<String> {
        lock(&self.log).iter().filter(|l| l.starts_with(prefix)).cloned().collect()
    }

    /// The image ID `name` is tagged to now.
    pub fn tagged(&self, name: &str) -> Option<String> {
        lock(&self.tags).get(name).cloned()
    }

    fn record(&self, entry: String) {
        lock(&self.log).push(entry);
    }

    fn unit_members(&self, unit: &str) -> impl Iterator<Item = &ContainerConfig> {
        let unit = unit.to_string();
        self.containers.iter().filter(move |c| c.labels.get(SYSTEMD_UNIT_ENV) == Some(&unit))
    }

    /// Whether container `name` has gone bad in the way `how` by now.
    fn gone(&self, name: &str, how: Sickness) -> bool {
        let started = lock(&self.started).get(name).cloned();
        started.is_some_and(|(image, at)| {
            self.sick.get(&image).is_some_and(|(after, what)| *what == how && self.clock.elapsed() >= at + *after)
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl ContainerSource for World {
    fn running_containers(&self) -> Result<Vec<ContainerConfig>, BackendError> {
        Ok(self.containers.clone())
    }

    fn unit_containers(&self, unit: &str) -> Result<Vec<Observed>, BackendError> {
        Ok(self
            .unit_members(unit)
            .filter(|c| !self.gone(&c.name, Sickness::Exits))
            .map(|c| Observed {
                id: c.id.clone(),
                name: c.name.clone(),
                health: if self.gone(&c.name, Sickness::Unhealthy) { Health::Unhealthy } else { Health::Healthy },
            })
            .collect())
    }
}

impl ImageStore for World {
    fn image_by_id(&self, id: &str) -> Result<Option<LocalImage>, BackendError> {
        Ok(lock(&self.images).get(id).cloned())
    }

    fn image_by_name(&self, name: &RawImageName) -> Result<Option<LocalImage>, BackendError> {
        let id = lock(&self.tags).get(name.as_str()).cloned();
        Ok(id.and_then(|id| lock(&self.images).get(&id).cloned()))
    }

    fn tag(&self, id: &str, name: &str) -> Result<(), BackendError> {
        self.record(format!("tag {id} {name}"));
        lock(&self.tags).insert(name.into(), id.into());
        Ok(())
    }

    fn set_previous(&self, name: &str, id: &str) -> Result<(), BackendError> {
        self.record(format!("previous {id} {name}"));
        lock(&self.previous).insert(name.into(), id.into());
        Ok(())
    }

    fn previous(&self, name: &str) -> Result<Option<LocalImage>, BackendError> {
        let id = lock(&self.previous).get(name).cloned();
        Ok(id.and_then(|id| lock(&self.images).get(&id).cloned()))
    }
}

impl Registry for World {
    async fn remote_digests(&self, check: &RegistryCheck) -> Result<Vec<String>, BackendError> {
        self.record(format!("check {}", check.raw_image_name));
        match self.remote.get(check.raw_image_name.as_str()) {
            Some(Remote::Serves(digests, _)) | Some(Remote::PullFails(digests, _)) => Ok(digests.clone()),
            Some(Remote::CheckFails(reason)) => Err(reason.clone().into()),
            None => Err("manifest unknown".into()),
        }
    }

    async fn pull(&self, request: &RemoteRequest) -> Result<LocalImage, BackendError> {
        self.record(format!("pull {}", request.raw_image_name));
        match self.remote.get(request.raw_image_name.as_str()) {
            Some(Remote::Serves(_, image)) => {
                lock(&self.images).insert(image.id.clone(), image.clone());
                lock(&self.tags).insert(request.raw_image_name.to_string(), image.id.clone());
                Ok(image.clone())
            }
            Some(Remote::PullFails(_, reason)) | Some(Remote::CheckFails(reason)) => Err(reason.clone().into()),
            None => Err("manifest unknown".into()),
        }
    }
}

impl World {
    fn reach_manager(&self) -> Result<(), BackendError> {
        match &self.manager_down {
            Some(reason) => Err(reason.clone().into()),
            None => Ok(()),
        }
    }
}

impl UnitManager for World {
    async fn connect(&self) -> Result<(), BackendError> {
        self.reach_manager()
    }

    async fn restart(&self, unit: &str) -> Result<(), BackendError> {
        self.record(format!("restart {unit}"));
        self.reach_manager()?;
        {
            let mut flight = lock(&self.in_flight);
            flight.0 += 1;
            flight.1 = flight.1.max(flight.0);
        }
        tokio::task::yield_now().await;
        lock(&self.in_flight).0 -= 1;
        let mut broken = false;
        for c in self.unit_members(unit) {
            let image = self.tagged(c.raw_image_name.as_str()).unwrap_or_default();
            broken |= self.broken.contains(&(unit.to_string(), image.clone()));
            lock(&self.started).insert(c.name.clone(), (image, self.clock.elapsed()));
        }
        let mut states = lock(&self.states);
        for dependent in self.dependents.get(unit).into_iter().flatten() {
            let state = if self.fragile.contains(dependent) { "inactive" } else { "active" };
            states.insert(dependent.clone(), state.into());
        }
        if broken {
            states.insert(unit.into(), "failed".into());
            return Err(
                format!("error restarting systemd unit {unit:?} expected \"done\" but received \"failed\"").into()
            );
        }
        states.insert(unit.into(), "active".into());
        Ok(())
    }

    async fn reset_failed(&self, unit: &str) -> Result<(), BackendError> {
        self.record(format!("reset-failed {unit}"));
        self.reach_manager()
    }

    async fn active_state(&self, unit: &str) -> Result<String, BackendError> {
        self.reach_manager()?;
        if self.unit_members(unit).any(|c| self.gone(&c.name, Sickness::Exits)) {
            return Ok("failed".into());
        }
        Ok(lock(&self.states).get(unit).cloned().unwrap_or_else(|| "active".into()))
    }

    async fn dependents(&self, unit: &str) -> Result<Vec<String>, BackendError> {
        self.reach_manager()?;
        Ok(self.dependents.get(unit).cloned().unwrap_or_default())
    }
}
