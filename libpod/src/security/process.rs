//! What the process creating a container may hand on to it: its capability bounding set (a
//! container can get no capability outside it) and its resource limits.

use super::capabilities::Capability;
use super::options::UlimitKind;

/// The creating process, as the security decisions need it.
pub trait CreatingProcess {
    /// The capabilities in this process's bounding set.
    fn bounding_set(&self) -> std::io::Result<Vec<Capability>>;
    /// This process's (soft, hard) limit of `kind`, if it can be read.
    fn rlimit(&self, kind: UlimitKind) -> Option<(u64, u64)>;
    /// Whether this process may raise hard limits (it has `CAP_SYS_RESOURCE`).
    fn may_raise_limits(&self) -> bool;
}

/// The running process, read from `/proc/self/status` and `getrlimit`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ThisProcess;

impl ThisProcess {
    /// The mask of `/proc/self/status` field `field` (`CapBnd`, `CapEff`).
    fn mask(field: &str) -> std::io::Result<u64> {
        let status = std::fs::read_to_string("/proc/self/status")?;
        status
            .lines()
            .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("no {field} line")))
    }
}

impl CreatingProcess for ThisProcess {
    fn bounding_set(&self) -> std::io::Result<Vec<Capability>> {
        Self::mask("CapBnd").map(capabilities_in)
    }

    fn rlimit(&self, kind: UlimitKind) -> Option<(u64, u64)> {
        nix::sys::resource::getrlimit(resource(kind)).ok()
    }

    fn may_raise_limits(&self) -> bool {
        const CAP_SYS_RESOURCE: u8 = 24;
        Self::mask("CapEff").is_ok_and(|mask| mask & (1 << CAP_SYS_RESOURCE) != 0)
    }
}

/// The capabilities whose bits are set in `mask`.
pub fn capabilities_in(mask: u64) -> Vec<Capability> {
    let mut caps: Vec<Capability> = Capability::all().filter(|c| mask & (1 << c.number()) != 0).collect();
    caps.sort();
    caps
}

/// The kernel resource `--ulimit NAME` sets.
pub fn resource(kind: UlimitKind) -> nix::sys::resource::Resource {
    use nix::sys::resource::Resource;
    match kind {
        UlimitKind::Core => Resource::RLIMIT_CORE,
        UlimitKind::Cpu => Resource::RLIMIT_CPU,
        UlimitKind::Data => Resource::RLIMIT_DATA,
        UlimitKind::Fsize => Resource::RLIMIT_FSIZE,
        UlimitKind::Locks => Resource::RLIMIT_LOCKS,
        UlimitKind::Memlock => Resource::RLIMIT_MEMLOCK,
        UlimitKind::Msgqueue => Resource::RLIMIT_MSGQUEUE,
        UlimitKind::Nice => Resource::RLIMIT_NICE,
        UlimitKind::Nofile => Resource::RLIMIT_NOFILE,
        UlimitKind::Nproc => Resource::RLIMIT_NPROC,
        UlimitKind::Rss => Resource::RLIMIT_RSS,
        UlimitKind::Rtprio => Resource::RLIMIT_RTPRIO,
        UlimitKind::Rttime => Resource::RLIMIT_RTTIME,
        UlimitKind::Sigpending => Resource::RLIMIT_SIGPENDING,
        UlimitKind::Stack => Resource::RLIMIT_STACK,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_name_their_capabilities() {
        let names: Vec<&str> = capabilities_in(0x800405fb).iter().map(|c| c.name()).collect();
        assert_eq!(names, containersconf::DEFAULT_CAPABILITIES);
        assert!(!ThisProcess.bounding_set().unwrap().is_empty());
        assert!(ThisProcess.rlimit(UlimitKind::Nofile).is_some());
    }
}
