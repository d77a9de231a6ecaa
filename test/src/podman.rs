//! The real Podman (Debian's 4.3.1) beside rpod, with storage, run and temporary directories,
//! network definitions and configuration of its own under the test base, so tests neither see
//! nor touch the machine's Podman, and everything goes with the test.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::engine::Engine;
use crate::rpod::TEST_BASE;

/// The file Podman reads first, where Debian keeps the default capabilities and sysctls.
const MACHINE_CONF: &str = "/usr/share/containers/containers.conf";

/// One test's Podman; its containers, images and mounts are removed on drop.
pub struct Podman {
    dir: tempfile::TempDir,
}

impl Podman {
    /// A Podman with empty storage, configured by the machine's containers.conf (the
    /// capabilities and sysctls rpod reads too) plus the test's settings, through
    /// `CONTAINERS_CONF` (which Podman 4.3 reads instead of the machine's files):
    /// - runc, as crun 1.8 fails on this machine's cgroup layout, with the cgroupfs manager (no
    ///   systemd to ask outside the sandbox) and events in a file;
    /// - ulimits under the machine's hard limits (Podman's own default, nofile 1048576, is over);
    /// - its temporary directory and network definitions inside the test directory:
    ///   `system reset` at drop removes those, and must not remove the machine's.
    pub fn new() -> Podman {
        std::fs::create_dir_all(TEST_BASE).expect("creating the test base directory");
        let dir = tempfile::Builder::new().prefix("podman-").tempdir_in(TEST_BASE).expect("a Podman directory");
        let machine = std::fs::read_to_string(MACHINE_CONF).unwrap_or_default();
        let settings = [
            ("containers", "default_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]".to_string()),
            ("engine", "runtime = \"runc\"".to_string()),
            ("engine", "events_logger = \"file\"".to_string()),
            ("engine", "cgroup_manager = \"cgroupfs\"".to_string()),
            ("engine", format!("tmp_dir = \"{}\"", dir.path().join("tmp").display())),
            ("network", format!("network_config_dir = \"{}\"", dir.path().join("networks").display())),
        ];
        let conf = with_settings(&machine, &settings);
        std::fs::write(dir.path().join("containers.conf"), conf).expect("writing the test containers.conf");
        Podman { dir }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn root(&self) -> PathBuf {
        self.dir().join("root")
    }

    /// Unmounts whatever Podman left mounted under its directory (a container's overlay when
    /// `system reset` failed half-way), deepest first, so the directory can be removed.
    fn unmount_leftovers(&self) {
        let Ok(mountinfo) = std::fs::read_to_string("/proc/self/mountinfo") else { return };
        let mut mounts: Vec<&str> = mountinfo
            .lines()
            .filter_map(|line| line.split(' ').nth(4))
            .filter(|point| Path::new(point).starts_with(self.dir()))
            .collect();
        mounts.sort_by_key(|point| std::cmp::Reverse(point.len()));
        for point in mounts {
            let _ = Command::new("umount").args(["-l", point]).status();
        }
    }
}

impl Engine for Podman {
    fn name(&self) -> &'static str {
        "podman"
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new("podman");
        cmd.arg("--root").arg(self.root()).arg("--runroot").arg(self.dir().join("runroot"));
        cmd.env("CONTAINERS_CONF", self.dir().join("containers.conf"));
        cmd.env_remove("PODMAN_SYSTEMD_UNIT").env_remove("CONTAINER_HOST").env_remove("CONTAINER_CONNECTION");
        cmd.current_dir(self.dir());
        cmd
    }
}

impl Default for Podman {
    fn default() -> Self {
        Podman::new()
    }
}

impl Drop for Podman {
    fn drop(&mut self) {
        let _ = self.command().args(["system", "reset", "--force"]).output();
        self.unmount_leftovers();
    }
}

/// `conf` (TOML) with each (table, line) added at the top of its table, or in a new table at the
/// end when `conf` has none. A key `conf` sets already makes the result invalid, and Podman says so.
fn with_settings(conf: &str, settings: &[(&str, String)]) -> String {
    let mut out = String::new();
    let mut placed = vec![false; settings.len()];
    for line in conf.lines() {
        out.push_str(line);
        out.push('\n');
        let header = line.trim();
        for (i, (table, setting)) in settings.iter().enumerate() {
            if header == format!("[{table}]") {
                out.push_str(setting);
                out.push('\n');
                placed[i] = true;
            }
        }
    }
    for (i, (table, setting)) in settings.iter().enumerate() {
        if !placed[i] {
            out.push_str(&format!("[{table}]\n{setting}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::with_settings;

    #[test]
    fn settings_go_into_their_tables_or_new_ones() {
        let conf = "# comment\n[containers]\nx = 1\n[engine]\n";
        let settings =
            [("engine", "a = 2".to_string()), ("containers", "b = 3".to_string()), ("network", "c = 4".to_string())];
        assert_eq!(
            with_settings(conf, &settings),
            "# comment\n[containers]\nb = 3\nx = 1\n[engine]\na = 2\n[network]\nc = 4\n"
        );
    }
}
