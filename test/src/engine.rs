//! rpod and the real Podman behind one face, so a side-by-side test writes each case once and
//! runs it with both: same image, same flags. When Podman passes a case, the case is right; when
//! rpod then fails it, rpod is wrong.

use std::process::Command;
use std::sync::{Arc, Mutex, PoisonError};

use crate::netns::NetNs;
use crate::podman::Podman;
use crate::rpod::{RunResult, TestEnv};

/// A container engine driven through its command line.
pub trait Engine: Send + Sync {
    /// `rpod` or `podman`, for assertion messages.
    fn name(&self) -> &'static str;

    /// The engine's program with its private storage flags; add arguments.
    fn command(&self) -> Command;

    /// Runs `ENGINE ARGS` to completion.
    fn run(&self, args: &[&str]) -> RunResult {
        self.command().args(args).output().expect("running the container engine").into()
    }

    /// Runs `ENGINE ARGS`; panics with the output unless it exited 0; returns stdout.
    fn check(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.code,
            Some(0),
            "{} {args:?} failed:\nstdout: {}\nstderr: {}",
            self.name(),
            out.stdout,
            out.stderr
        );
        out.stdout
    }

    /// `inspect --format FORMAT CONTAINER`, trimmed.
    fn inspect(&self, container: &str, format: &str) -> String {
        self.check(&["inspect", "--format", format, container]).trim().to_string()
    }
}

impl Engine for TestEnv {
    fn name(&self) -> &'static str {
        "rpod"
    }

    fn command(&self) -> Command {
        TestEnv::command(self)
    }
}

/// An engine whose commands all run inside a network namespace of the test's own, so the
/// containers it starts (with `--network host`) and its `exec`s live there.
pub struct EngineInNetNs<'a> {
    engine: &'a dyn Engine,
    netns: NetNs,
}

impl<'a> EngineInNetNs<'a> {
    /// `engine` in a new namespace.
    pub fn new(engine: &'a dyn Engine) -> EngineInNetNs<'a> {
        EngineInNetNs { engine, netns: NetNs::new() }
    }

    pub fn netns(&self) -> &NetNs {
        &self.netns
    }
}

impl Engine for EngineInNetNs<'_> {
    fn name(&self) -> &'static str {
        self.engine.name()
    }

    fn command(&self) -> Command {
        self.netns.enter(&self.engine.command())
    }
}

/// A container a test started, removed (`rm -f -t 0`) when the guard drops, so a failing
/// assertion leaves nothing running.
pub struct ContainerGuard<'a> {
    engine: &'a dyn Engine,
    name: String,
}

impl<'a> ContainerGuard<'a> {
    /// Guards the container `name` of `engine`.
    pub fn new(engine: &'a dyn Engine, name: &str) -> ContainerGuard<'a> {
        ContainerGuard { engine, name: name.to_string() }
    }
}

impl Drop for ContainerGuard<'_> {
    fn drop(&mut self) {
        let _ = self.engine.run(&["rm", "-f", "-t", "0", &self.name]);
    }
}

/// The image both engines hold in a [`DebianEngines`].
pub const DEBIAN_IMAGE: &str = "localhost/rpod-test/bookworm:latest";

/// rpod and Podman, each with the Debian image ([`crate::debian_image`]) imported as
/// [`DEBIAN_IMAGE`]. Importing 130 MB takes rpod's debug build about 20 s, so the tests of one
/// test binary share one pair ([`DebianEngines::shared`]) and name their containers apart.
pub struct DebianEngines {
    pub rpod: TestEnv,
    pub podman: Podman,
}

/// The pair of this test binary, once made; taken and dropped when the process exits.
static SHARED: Mutex<Option<Arc<DebianEngines>>> = Mutex::new(None);

/// Drops [`SHARED`]'s pair, removing its containers, images and directories; registered with
/// atexit(3), which runs once libtest's main returns or exits, after the last test.
extern "C" fn remove_shared() {
    let pair = SHARED.lock().unwrap_or_else(PoisonError::into_inner).take();
    drop(pair);
}

impl DebianEngines {
    /// The pair of this test binary: made by the first test that asks (the others wait), and
    /// kept until the process exits, so no test pays for the import twice.
    pub fn shared() -> Arc<DebianEngines> {
        let mut slot = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(engines) = slot.as_ref() {
            return Arc::clone(engines);
        }
        let engines = Arc::new(DebianEngines::with_image());
        *slot = Some(Arc::clone(&engines));
        // SAFETY: remove_shared is a plain function that neither unwinds (every Drop on the
        // way ignores its errors) nor needs anything atexit(3) has already torn down.
        let registered = unsafe { libc::atexit(remove_shared) };
        assert_eq!(registered, 0, "atexit could not register the clean-up of the shared engines");
        engines
    }

    /// Builds (or finds) the root filesystem and imports it into both, at the same time.
    fn with_image() -> DebianEngines {
        let tarball = crate::debian_image::bookworm_rootfs().to_str().expect("a UTF-8 cache path");
        let engines = DebianEngines { rpod: TestEnv::new(), podman: Podman::new() };
        std::thread::scope(|scope| {
            for engine in engines.both() {
                scope.spawn(move || engine.check(&["import", "-q", tarball, DEBIAN_IMAGE]));
            }
        });
        engines
    }

    /// Podman first, then rpod: the order the side-by-side cases run in, so a case Podman fails
    /// (a wrong case) stops before rpod's result is read.
    pub fn both(&self) -> [&dyn Engine; 2] {
        [&self.podman, &self.rpod]
    }
}

impl Drop for DebianEngines {
    /// Removes what a failed test may have left running (Podman's drop resets its own).
    fn drop(&mut self) {
        let _ = self.rpod.run(&["rm", "-a", "-f", "-t", "0"]);
    }
}
