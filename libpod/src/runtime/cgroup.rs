//! The container's cgroup: where rpod asks the OCI runtime to create it (Podman's cgroupfs
//! names), and what the kernel counted there that `inspect` reports — whether the OOM killer
//! struck, read the way conmon reads it, before the runtime deletes the cgroup.

use std::path::{Path, PathBuf};

use crate::config::ContainerConfig;
use crate::error::{Error, Result};
use crate::store::Store;

/// Where the cgroup hierarchies are mounted.
pub const CGROUP_ROOT: &str = "/sys/fs/cgroup";
/// Podman's parent cgroup for containers under the cgroupfs manager (`CgroupfsDefaultCgroupParent`).
pub const CGROUP_PARENT: &str = "/libpod_parent";

/// The container's `linux.cgroupsPath`, as Podman names it with the cgroupfs manager:
/// `/libpod_parent/libpod-<ID>`; with `--cgroups=split`, `libpod-payload-<ID>` beneath the cgroup
/// of the process that starts it (`own_cgroup`, read only then); none with `--cgroups=disabled`
/// (runc then uses its own default).
pub fn cgroups_path(config: &ContainerConfig, own_cgroup: impl FnOnce() -> Option<String>) -> Result<Option<String>> {
    match config.cgroups_mode.as_str() {
        "disabled" => Ok(None),
        "split" => match own_cgroup() {
            Some(own) => Ok(Some(format!("{}/libpod-payload-{}", own.trim_end_matches('/'), config.id))),
            None => Err(Error::Spec("--cgroups=split: could not find cgroup mount in \"/proc/self/cgroup\"".into())),
        },
        _ => Ok(Some(format!("{CGROUP_PARENT}/libpod-{}", config.id))),
    }
}

/// The cgroup of this process from the text of `/proc/self/cgroup`, Podman's way: the unified
/// hierarchy's entry when there is one, else the longest of the others; the root is no answer.
pub fn own_cgroup_of(proc_cgroup: &str) -> Option<String> {
    let mut found = "";
    for line in proc_cgroup.lines() {
        if let Some(unified) = line.strip_prefix("0::") {
            found = unified;
            break;
        }
        let path = line.splitn(3, ':').nth(2).unwrap_or_default();
        if path.len() > found.len() {
            found = path;
        }
    }
    (!found.is_empty() && found != "/").then(|| found.to_string())
}

/// This process's cgroup ([`own_cgroup_of`] of `/proc/self/cgroup`).
pub fn own_cgroup() -> Option<String> {
    own_cgroup_of(&std::fs::read_to_string("/proc/self/cgroup").ok()?)
}

/// The `oom_kill` count of a cgroup's `memory.oom_control` (cgroup v1) or `memory.events` (v2).
pub fn oom_kill_count(text: &str) -> Option<u64> {
    text.lines().find_map(|line| line.strip_prefix("oom_kill ")?.trim().parse().ok())
}

/// How many times the OOM killer killed a process in the cgroup `cgroups_path` under the
/// hierarchies mounted at `root`: the v1 memory controller's count, else the unified one's.
pub fn oom_kills(root: &Path, cgroups_path: &str) -> u64 {
    let relative = cgroups_path.trim_start_matches('/');
    let candidates =
        [root.join("memory").join(relative).join("memory.oom_control"), root.join(relative).join("memory.events")];
    candidates.iter().find_map(|file| oom_kill_count(&std::fs::read_to_string(file).ok()?)).unwrap_or(0)
}

/// The mark the monitor leaves when the container's last run was OOM-killed (conmon leaves an
/// `oom` file for Podman the same way).
pub fn oom_marker(store: &Store, id: &str) -> PathBuf {
    store.runtime_dir(id).join("oom")
}

/// Called by the monitor once the container's process has exited and before the runtime
/// deletes its cgroup: marks the run as OOM-killed when the kernel counted a kill there, and
/// clears the mark of an earlier run otherwise.
pub fn note_oom_kills(store: &Store, id: &str) {
    let Ok(container) = store.lookup(id) else { return };
    let Ok(Some(path)) = cgroups_path(&container.config, own_cgroup) else { return };
    let marker = oom_marker(store, id);
    if oom_kills(Path::new(CGROUP_ROOT), &path) > 0 {
        let _ = privatefs::write(&marker, "");
    } else {
        let _ = std::fs::remove_file(&marker);
    }
}

/// Whether the container's last run was OOM-killed; consumes the monitor's mark, so it counts
/// for the exit being recorded only.
pub fn take_oom_marker(store: &Store, id: &str) -> bool {
    std::fs::remove_file(oom_marker(store, id)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(mode: &str) -> ContainerConfig {
        ContainerConfig { id: "abc".into(), cgroups_mode: mode.into(), ..Default::default() }
    }

    #[test]
    fn cgroup_paths_follow_podmans_names() {
        let never = || -> Option<String> { panic!("read only for split") };
        assert_eq!(cgroups_path(&config(""), never).unwrap().as_deref(), Some("/libpod_parent/libpod-abc"));
        assert_eq!(cgroups_path(&config("no-conmon"), never).unwrap().as_deref(), Some("/libpod_parent/libpod-abc"));
        assert_eq!(cgroups_path(&config("disabled"), never).unwrap(), None);
        let split = cgroups_path(&config("split"), || Some("/system.slice/web.service".into())).unwrap();
        assert_eq!(split.as_deref(), Some("/system.slice/web.service/libpod-payload-abc"));
        assert!(cgroups_path(&config("split"), || None).is_err());
    }

    #[test]
    fn own_cgroup_prefers_the_unified_entry() {
        let hybrid = "4:memory:/process_api/x\n1:cpu:/\n0::/user.slice/s\n";
        assert_eq!(own_cgroup_of(hybrid).as_deref(), Some("/user.slice/s"));
        let v1 = "4:memory:/a/longer\n1:cpu:/a\n";
        assert_eq!(own_cgroup_of(v1).as_deref(), Some("/a/longer"));
        assert_eq!(own_cgroup_of("4:memory:/process_api/x\n0::/\n"), None, "the root is no answer, as in Podman");
    }

    #[test]
    fn oom_kills_are_read_from_either_hierarchy() {
        let root = tempfile::tempdir().unwrap();
        let v1 = root.path().join("memory/libpod_parent/libpod-a");
        std::fs::create_dir_all(&v1).unwrap();
        std::fs::write(v1.join("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n").unwrap();
        assert_eq!(oom_kills(root.path(), "/libpod_parent/libpod-a"), 2);
        let v2 = root.path().join("libpod_parent/libpod-b");
        std::fs::create_dir_all(&v2).unwrap();
        std::fs::write(v2.join("memory.events"), "low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\noom_group_kill 0\n")
            .unwrap();
        assert_eq!(oom_kills(root.path(), "/libpod_parent/libpod-b"), 1);
        assert_eq!(oom_kills(root.path(), "/libpod_parent/gone"), 0);
        assert_eq!(oom_kill_count("oom 3\noom_kill_disable 0\n"), None, "only the oom_kill line counts");
    }
}
