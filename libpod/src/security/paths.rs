//! Which `/proc` and `/sys` paths a container gets masked or read-only: Podman's defaults, less
//! what `--security-opt unmask=` lifts, plus what `mask=` adds.

use serde::{Deserialize, Serialize};

/// Paths Podman hides from a container that is not `--privileged` (containers.conf's
/// `DefaultMaskedPaths`, Podman 5): host information or kernel interfaces a container must not
/// read.
pub const MASKED_PATHS: [&str; 11] = [
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/sys/devices/virtual/powercap",
    "/sys/firmware",
    "/sys/fs/selinux",
];

/// Paths Podman mounts read-only in a container that is not `--privileged`: kernel settings a
/// container could change for the whole host.
pub const READONLY_PATHS: [&str; 6] =
    ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

/// `--security-opt mask=` and `unmask=` (`systempaths=unconfined` is `unmask=ALL`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PathRules {
    /// Extra paths to mask (absolute; others are ignored, as Podman ignores them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mask: Vec<String>,
    /// Default paths to leave alone: `ALL`, or shell patterns (`/proc/*`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmask: Vec<String>,
}

impl PathRules {
    /// The spec's masked and read-only paths: the defaults unless `privileged`, less the
    /// unmasked ones, plus the extra masks. `None` where the list is empty.
    pub fn spec_paths(&self, privileged: bool) -> (Option<Vec<String>>, Option<Vec<String>>) {
        let defaults = |paths: &[&str]| -> Vec<String> {
            if privileged {
                return Vec::new();
            }
            paths.iter().filter(|p| self.keeps(p)).map(|p| p.to_string()).collect()
        };
        let mut masked = defaults(&MASKED_PATHS);
        masked.extend(self.mask.iter().filter(|p| p.starts_with('/')).cloned());
        let readonly = defaults(&READONLY_PATHS);
        let non_empty = |list: Vec<String>| (!list.is_empty()).then_some(list);
        (non_empty(masked), non_empty(readonly))
    }

    /// Whether default `path` stays masked (Podman's `shouldMask`).
    fn keeps(&self, path: &str) -> bool {
        !self.unmask.iter().any(|u| u.eq_ignore_ascii_case("all") || u.split(':').any(|pattern| glob(pattern, path)))
    }
}

/// Go's `filepath.Match` for `*` and `?` (neither crosses `/`) and literal characters.
fn glob(pattern: &str, path: &str) -> bool {
    fn matches(p: &[char], s: &[char]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some(('*', rest)) => {
                (0..=s.len()).take_while(|&i| i == 0 || s[i - 1] != '/').any(|i| matches(rest, &s[i..]))
            }
            Some(('?', rest)) => s.first().is_some_and(|c| *c != '/') && matches(rest, &s[1..]),
            Some((c, rest)) => s.first() == Some(c) && matches(rest, &s[1..]),
        }
    }
    matches(&pattern.chars().collect::<Vec<_>>(), &path.chars().collect::<Vec<_>>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmask_and_mask_change_the_defaults_as_podman_does() {
        let rules = |mask: &[&str], unmask: &[&str]| PathRules {
            mask: mask.iter().map(|s| s.to_string()).collect(),
            unmask: unmask.iter().map(|s| s.to_string()).collect(),
        };
        let (masked, readonly) = rules(&[], &[]).spec_paths(false);
        assert_eq!((masked.unwrap().len(), readonly.unwrap().len()), (MASKED_PATHS.len(), READONLY_PATHS.len()));
        assert_eq!(rules(&[], &["ALL"]).spec_paths(false), (None, None));
        let (masked, readonly) = rules(&["/srv/secret", "relative"], &["/proc/k*:/proc/sys"]).spec_paths(false);
        let masked = masked.unwrap();
        assert!(!masked.iter().any(|p| p == "/proc/kcore" || p == "/proc/keys"));
        assert!(masked.contains(&"/proc/acpi".to_string()) && masked.ends_with(&["/srv/secret".to_string()]));
        assert!(!readonly.unwrap().contains(&"/proc/sys".to_string()));
        assert_eq!(rules(&["/srv/x"], &[]).spec_paths(true), (Some(vec!["/srv/x".to_string()]), None));
    }

    #[test]
    fn globs_stop_at_slashes() {
        assert!(glob("/proc/*", "/proc/kcore"));
        assert!(!glob("/proc/*", "/proc/sys/kernel"));
        assert!(glob("/proc/k?re", "/proc/kore") && !glob("/proc/k?re", "/proc/kcore"));
        assert!(glob("/sys/firmware", "/sys/firmware"));
    }
}
