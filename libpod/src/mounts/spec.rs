//! A container's stored mounts turned into OCI mounts at start.

use oci_spec::runtime::{Mount, MountBuilder};

use super::parse::is_propagation;
use super::{missing_defaults, MountsConfig, StoredMount};

/// Options rpod accepts on a flag but that are no mount option: `z`/`Z` relabel (no SELinux
/// here), `U` and `copy`/`nocopy` act on the volume before start, `tmpcopyup` is crun's only.
fn is_mount_option(option: &str) -> bool {
    !matches!(option, "z" | "Z" | "U" | "copy" | "nocopy" | "tmpcopyup" | "notmpcopyup" | "O")
}

/// The OCI mount of one bind or tmpfs mount. A bind is recursive (`rbind`) unless the user
/// asked for `bind`, and `rprivate` unless a propagation was given, as Podman's; a tmpfs is
/// `rw,noexec,nosuid,nodev` unless the user's options say otherwise.
pub fn oci_mount(stored: &StoredMount) -> Result<Mount, String> {
    let user: Vec<&str> = stored.options.iter().map(String::as_str).filter(|o| is_mount_option(o)).collect();
    let mut options: Vec<String> = Vec::new();
    let builder = if stored.kind == "tmpfs" {
        let defaults = [("rw", "ro"), ("noexec", "exec"), ("nosuid", "suid"), ("nodev", "dev")];
        options.extend(missing_defaults(&user, &defaults));
        MountBuilder::default().typ("tmpfs").source("tmpfs")
    } else {
        if !user.contains(&"bind") {
            options.push("rbind".to_string());
        }
        if !user.iter().any(|o| is_propagation(o)) {
            options.push("rprivate".to_string());
        }
        MountBuilder::default().typ("bind").source(&stored.source)
    };
    options.extend(user.iter().map(|o| o.to_string()));
    builder.destination(&stored.destination).options(options).build().map_err(|e| e.to_string())
}

/// Appends the container's mounts to `mounts`, replacing any standard mount at the same
/// destination (a `--tmpfs /dev/shm` wins over runc's default one).
pub fn add_mounts(config: &MountsConfig, mounts: &mut Vec<Mount>) -> Result<(), String> {
    for stored in &config.mounts {
        mounts.retain(|m| m.destination().to_str() != Some(stored.destination.as_str()));
        mounts.push(oci_mount(stored)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(kind: &str, source: &str, options: &[&str]) -> StoredMount {
        StoredMount {
            destination: "/x".into(),
            kind: kind.into(),
            source: source.into(),
            options: options.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn binds_are_recursive_and_private_unless_asked() {
        let mount = oci_mount(&stored("bind", "/srv", &["ro", "Z", "U"])).unwrap();
        assert_eq!(mount.typ().as_deref(), Some("bind"));
        assert_eq!(mount.options().clone().unwrap(), ["rbind", "rprivate", "ro"]);
        let mount = oci_mount(&stored("bind", "/srv", &["bind", "rshared"])).unwrap();
        assert_eq!(mount.options().clone().unwrap(), ["bind", "rshared"]);
    }

    #[test]
    fn tmpfs_defaults_yield_to_the_users_options() {
        let mount = oci_mount(&stored("tmpfs", "", &["exec", "size=1m"])).unwrap();
        assert_eq!(mount.options().clone().unwrap(), ["rw", "nosuid", "nodev", "exec", "size=1m"]);
    }

    #[test]
    fn user_mounts_replace_standard_ones_at_their_destination() {
        let mut mounts = oci_spec::runtime::Spec::default().mounts().clone().unwrap();
        let before = mounts.len();
        let config = MountsConfig {
            mounts: vec![StoredMount { destination: "/dev/shm".into(), ..stored("tmpfs", "", &[]) }],
            ..Default::default()
        };
        add_mounts(&config, &mut mounts).unwrap();
        assert_eq!(mounts.len(), before);
        assert_eq!(mounts.last().unwrap().options().clone().unwrap(), ["rw", "noexec", "nosuid", "nodev"]);
    }
}
