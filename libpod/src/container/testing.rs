//! A fake world for the lifecycle's unit tests: an OCI runtime that records signals and
//! deletions and whose containers react to them as told, monitors that are entries in a set,
//! and a clock that moves only when the lifecycle sleeps. The store is a real one in a
//! temporary directory.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};

use super::{CreatePlacement, Runtime};
use crate::config::ContainerConfig;
use crate::error::{Error, Result};
use crate::runtime::clock::Clock;
use crate::runtime::monitor_process::Monitors;
use crate::runtime::oci::{CreateStdio, ExecStdio, OciRuntime, OciRuntimes};
use crate::state::{ContainerState, ContainerStatus};
use crate::store::{Container, Store};

/// The name the fake runtime is recorded under.
const FAKE_RUNTIME: &str = "fake";

/// How a running container's process answers signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reaction {
    /// Exits on SIGTERM (and on SIGKILL).
    ExitsOnTerm,
    /// Keeps running until SIGKILL.
    IgnoresTerm,
    /// The runtime fails to deliver SIGTERM; SIGKILL works.
    TermFails,
    /// Survives even SIGKILL (a process stuck in the kernel).
    Unkillable,
}

#[derive(Debug)]
struct Shared {
    signals: Vec<String>,
    deleted: Vec<(String, bool)>,
    spawned: Vec<String>,
    alive: HashSet<String>,
    reactions: HashMap<String, Reaction>,
    start: Instant,
    elapsed: Duration,
}

type SharedWorld = Rc<RefCell<Shared>>;

/// A store in a temporary directory plus the fakes a [`Runtime`] over it is built with.
pub struct World {
    _dir: tempfile::TempDir,
    pub store: Store,
    shared: SharedWorld,
}

impl World {
    pub fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("root"), &dir.path().join("run")).unwrap();
        let shared = Shared {
            signals: Vec::new(),
            deleted: Vec::new(),
            spawned: Vec::new(),
            alive: HashSet::new(),
            reactions: HashMap::new(),
            start: Instant::now(),
            elapsed: Duration::ZERO,
        };
        World { _dir: dir, store, shared: Rc::new(RefCell::new(shared)) }
    }

    /// A lifecycle over this world's store and fakes.
    pub fn runtime(&self) -> Runtime<'_> {
        Runtime::with_parts(
            &self.store,
            Box::new(FakeRuntimes(self.shared.clone())),
            Box::new(FakeMonitors(self.shared.clone())),
            Box::new(FakeClock(self.shared.clone())),
        )
    }

    /// Creates container `name` (its config adjusted by `edit`) through the lifecycle.
    pub fn add(&self, name: &str, edit: impl FnOnce(&mut ContainerConfig)) -> Container {
        let mut config = ContainerConfig {
            id: crate::names::new_id(),
            name: name.to_string(),
            rootfs_image_id: "a".repeat(64),
            command: vec!["sh".into()],
            stop_timeout: 10,
            ..Default::default()
        };
        edit(&mut config);
        self.runtime().create(config, false, &CreatePlacement::default()).unwrap();
        self.lookup(name)
    }

    /// Creates and starts container `name`, whose process answers signals with `reaction`.
    pub fn add_running(&self, name: &str, reaction: Reaction, edit: impl FnOnce(&mut ContainerConfig)) -> Container {
        let created = self.add(name, edit);
        self.shared.borrow_mut().reactions.insert(created.config.id.clone(), reaction);
        self.runtime().start(&created, &|_| {}).unwrap();
        self.lookup(name)
    }

    /// [`World::add_running`] with the default config.
    pub fn running(&self, name: &str, reaction: Reaction) -> Container {
        self.add_running(name, reaction, |_| {})
    }

    pub fn lookup(&self, name: &str) -> Container {
        self.store.lookup(name).unwrap()
    }

    /// The container's monitor is gone (killed, or the host rebooted) without recording an exit.
    pub fn monitor_died(&self, id: &str) {
        self.shared.borrow_mut().alive.remove(id);
    }

    /// Signals sent so far, in order.
    pub fn signals(&self) -> Vec<String> {
        self.shared.borrow().signals.clone()
    }

    /// Runtime deletions so far: container ID and `force`.
    pub fn deleted(&self) -> Vec<(String, bool)> {
        self.shared.borrow().deleted.clone()
    }

    /// Containers whose monitor was spawned, in order.
    pub fn spawned(&self) -> Vec<String> {
        self.shared.borrow().spawned.clone()
    }

    /// How long the lifecycle slept.
    pub fn elapsed(&self) -> Duration {
        self.shared.borrow().elapsed
    }

    /// The fake wall clock's time now.
    pub fn wall(&self) -> DateTime<Utc> {
        wall_at(self.elapsed())
    }
}

fn wall_at(elapsed: Duration) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 5, 0, 0).unwrap() + elapsed
}

struct FakeRuntimes(SharedWorld);

impl OciRuntimes for FakeRuntimes {
    fn recorded(&self, name: &str) -> Result<Box<dyn OciRuntime>> {
        if name == FAKE_RUNTIME {
            Ok(Box::new(FakeRuntime(self.0.clone())))
        } else {
            Err(Error::NoRuntime(name.to_string()))
        }
    }
}

struct FakeRuntime(SharedWorld);

impl OciRuntime for FakeRuntime {
    fn name(&self) -> &str {
        FAKE_RUNTIME
    }

    fn create(&self, _id: &str, _bundle: &Path, _pid_file: &Path, _stdio: CreateStdio) -> Result<()> {
        Ok(())
    }

    fn start(&self, _id: &str) -> Result<()> {
        Ok(())
    }

    fn kill(&self, id: &str, signal: &str) -> Result<()> {
        let mut world = self.0.borrow_mut();
        world.signals.push(signal.to_string());
        let reaction = world.reactions.get(id).copied().unwrap_or(Reaction::IgnoresTerm);
        let exits = match (reaction, signal) {
            // Like runc, by name or number: `stop` gives numbers, health actions names.
            (Reaction::TermFails, "TERM" | "15") => {
                return Err(Error::Runtime {
                    runtime: FAKE_RUNTIME.into(),
                    op: "kill",
                    message: "no such process".into(),
                })
            }
            (Reaction::Unkillable, _) => false,
            (Reaction::ExitsOnTerm, "TERM" | "15") | (_, "KILL" | "9") => true,
            _ => false,
        };
        if exits {
            world.alive.remove(id);
        }
        Ok(())
    }

    fn delete(&self, id: &str, force: bool) -> Result<()> {
        self.0.borrow_mut().deleted.push((id.to_string(), force));
        Ok(())
    }

    fn exec(&self, _id: &str, _args: &[String], _env: &[String], _stdio: ExecStdio) -> Result<i32> {
        Ok(0)
    }
}

/// Monitors that run the container at once: spawning records it as running under the fake runtime.
struct FakeMonitors(SharedWorld);

impl Monitors for FakeMonitors {
    fn spawn(&self, store: &Store, id: &str, _warn: &dyn Fn(&str)) -> Result<()> {
        let mut world = self.0.borrow_mut();
        let state = ContainerState {
            state: ContainerStatus::Running,
            pid: 100,
            conmon_pid: 99,
            started_time: Some(wall_at(world.elapsed)),
            runtime: FAKE_RUNTIME.into(),
            ..Default::default()
        };
        store.update_state(id, &state)?;
        world.alive.insert(id.to_string());
        world.spawned.push(id.to_string());
        Ok(())
    }

    fn alive(&self, _pid: i32, id: &str) -> bool {
        self.0.borrow().alive.contains(id)
    }

    /// The fake processes answer only their runtime's signals.
    fn signal_child(&self, _monitor_pid: i32, _pid: i32, _signal: i32) -> bool {
        false
    }
}

/// A clock that moves only when slept on.
struct FakeClock(SharedWorld);

impl Clock for FakeClock {
    fn now(&self) -> Instant {
        let world = self.0.borrow();
        world.start + world.elapsed
    }

    fn sleep(&self, duration: Duration) {
        self.0.borrow_mut().elapsed += duration;
    }

    fn wall(&self) -> DateTime<Utc> {
        wall_at(self.0.borrow().elapsed)
    }
}
