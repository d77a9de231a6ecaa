//! Linux capabilities by name, and Podman's rules for merging `--cap-add`/`--cap-drop` into
//! containers.conf's `default_capabilities`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::SecurityError as Error;

/// Every capability Linux defines, by number (`capability.h`).
const NAMES: [&str; 41] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// One capability. Ordered by name, as Podman sorts capability lists.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Capability(u8);

impl Capability {
    /// All capabilities Linux defines, by number.
    pub fn all() -> impl Iterator<Item = Capability> {
        (0..NAMES.len() as u8).map(Capability)
    }

    /// The capability with kernel number `number`, if Linux defines one.
    pub fn from_number(number: u8) -> Option<Capability> {
        ((number as usize) < NAMES.len()).then_some(Capability(number))
    }

    /// `CAP_CHOWN`.
    pub fn name(self) -> &'static str {
        NAMES[self.0 as usize]
    }

    /// The kernel's number, the bit in `/proc/PID/status` masks.
    pub fn number(self) -> u8 {
        self.0
    }
}

impl fmt::Debug for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialOrd for Capability {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Capability {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.name().cmp(other.name())
    }
}

/// Podman's spelling rule: any case, `CAP_` optional.
impl FromStr for Capability {
    type Err = Error;

    fn from_str(text: &str) -> Result<Capability, Error> {
        let upper = text.to_uppercase();
        let name = if upper.starts_with("CAP_") { upper } else { format!("CAP_{upper}") };
        NAMES.iter().position(|n| *n == name).map(|i| Capability(i as u8)).ok_or(Error::UnknownCapability(name))
    }
}

impl Serialize for Capability {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Capability {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Capability, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// A `--cap-add`/`--cap-drop` value: one capability, or `ALL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapabilityArg {
    /// `ALL` (any case): every capability of the bounding set when added, every capability
    /// not explicitly added when dropped.
    All,
    /// One capability.
    One(Capability),
}

impl FromStr for CapabilityArg {
    type Err = Error;

    fn from_str(text: &str) -> Result<CapabilityArg, Error> {
        if text.eq_ignore_ascii_case("all") {
            Ok(CapabilityArg::All)
        } else {
            text.parse().map(CapabilityArg::One)
        }
    }
}

/// Podman's merge of `adds` and `drops` into `base`, sorted by name: `ALL` added starts from
/// the whole `bounding` set, `ALL` dropped keeps only what is added; a capability both added
/// and dropped is refused.
pub fn merge(
    base: &[Capability],
    adds: &[CapabilityArg],
    drops: &[CapabilityArg],
    bounding: &[Capability],
) -> Result<Vec<Capability>, Error> {
    let named = |args: &[CapabilityArg]| -> Vec<Capability> {
        args.iter().filter_map(|a| if let CapabilityArg::One(c) = a { Some(*c) } else { None }).collect()
    };
    let (add_all, drop_all) = (adds.contains(&CapabilityArg::All), drops.contains(&CapabilityArg::All));
    let (added, dropped) = (named(adds), named(drops));
    let mut caps: Vec<Capability> = if drop_all {
        if add_all {
            return Err(Error::AddAndDropAll);
        }
        added
    } else {
        if let Some(both) = added.iter().find(|c| dropped.contains(c)) {
            return Err(Error::AddedAndDropped(*both));
        }
        let base = if add_all { bounding } else { base };
        let mut caps: Vec<Capability> = base.iter().copied().filter(|c| !dropped.contains(c)).collect();
        if !add_all {
            caps.extend(added.into_iter().filter(|c| !base.contains(c)));
        }
        caps
    };
    caps.sort();
    caps.dedup();
    Ok(caps)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(names: &[&str]) -> Vec<Capability> {
        names.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn args(names: &[&str]) -> Vec<CapabilityArg> {
        names.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn names_parse_in_any_case_with_or_without_the_prefix() {
        assert_eq!("chown".parse::<Capability>().unwrap().name(), "CAP_CHOWN");
        assert_eq!("Cap_Sys_Admin".parse::<Capability>().unwrap().number(), 21);
        assert_eq!("CAP_CHECKPOINT_RESTORE".parse::<Capability>().unwrap().number(), 40);
        let err = "BOGUS".parse::<Capability>().unwrap_err();
        assert_eq!(err.to_string(), r#""CAP_BOGUS": unknown capability"#);
        assert_eq!("all".parse::<CapabilityArg>().unwrap(), CapabilityArg::All);
        assert_eq!(serde_json::to_string(&caps(&["kill"])).unwrap(), r#"["CAP_KILL"]"#);
        assert_eq!(serde_json::from_str::<Vec<Capability>>(r#"["CAP_KILL"]"#).unwrap(), caps(&["KILL"]));
    }

    #[test]
    fn merging_follows_podman() {
        let base = caps(&["CHOWN", "KILL", "SETUID"]);
        let bounding = caps(&["CHOWN", "KILL", "SETUID", "SYS_ADMIN", "NET_RAW"]);
        let merged = |add: &[&str], drop: &[&str]| merge(&base, &args(add), &args(drop), &bounding);
        assert_eq!(merged(&[], &[]).unwrap(), caps(&["CHOWN", "KILL", "SETUID"]));
        assert_eq!(merged(&["sys_admin"], &["chown"]).unwrap(), caps(&["KILL", "SETUID", "SYS_ADMIN"]));
        assert_eq!(merged(&["ALL"], &["KILL"]).unwrap(), caps(&["CHOWN", "NET_RAW", "SETUID", "SYS_ADMIN"]));
        assert_eq!(merged(&["NET_RAW"], &["all"]).unwrap(), caps(&["NET_RAW"]));
        assert_eq!(merged(&["kill"], &[]).unwrap(), base);
        assert_eq!(
            merged(&["ALL"], &["ALL"]).unwrap_err().to_string(),
            "adding all caps and removing all caps not allowed"
        );
        assert_eq!(
            merged(&["KILL"], &["cap_kill"]).unwrap_err().to_string(),
            r#"capability "CAP_KILL" cannot be dropped and added"#
        );
    }

    #[test]
    fn capabilities_sort_by_name() {
        let mut list = caps(&["SYS_CHROOT", "CHOWN", "SETFCAP"]);
        list.sort();
        assert_eq!(list, caps(&["CHOWN", "SETFCAP", "SYS_CHROOT"]));
    }
}
