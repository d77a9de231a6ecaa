//! Resource limits of a container (`--memory`, `--memory-swap`, `--cpus`, `--cpu-shares`,
//! `--pids-limit`, `--shm-size`): the size grammar Podman takes them in, the checks Podman makes
//! at create time, and the values stored with the container, which the monitor turns into the
//! spec's `linux.resources` at every start ([`crate::runtime::resources`]).

use serde::{Deserialize, Serialize};

/// The CFS period `--cpus` is expressed against, in microseconds (Podman's `DefaultCPUPeriod`).
pub const CPU_PERIOD: u64 = 100_000;
/// The smallest CFS quota the kernel takes (1ms); Podman refuses less at create time.
pub const MIN_CPU_QUOTA: i64 = 1_000;
/// containers.conf's default `pids_limit`: Podman gives every container with cgroups this limit
/// unless `--pids-limit` says otherwise.
pub const DEFAULT_PIDS_LIMIT: i64 = 2048;
/// containers.conf's default `shm_size`, `65536k`, read as Podman reads it (decimal kilobytes):
/// Podman's containers get a 64000k `/dev/shm` and inspect shows `ShmSize: 65536000`.
pub const DEFAULT_SHM_SIZE: i64 = 65_536_000;

/// A number of bytes, written as Podman's size flags take it (go-units `RAMInBytes`): a
/// decimal number, optionally a space, then an optional binary unit `k`, `m`, `g`, `t`, `p`
/// (any case) with an optional `b` or `ib` (`32m`, `1.5g`, `512MiB`, `100 kb`, `4096`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ByteSize(i64);

impl ByteSize {
    /// The size in bytes.
    pub fn bytes(self) -> i64 {
        self.0
    }
}

/// Why a size did not parse, in go-units' words (Podman prefixes the flag, e.g.
/// `invalid value for memory: invalid size: 'bogus'`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    /// No digit at all, or a negative number.
    #[error("invalid size: '{0}'")]
    InvalidSize(String),
    /// A unit other than `b`, `k`, `m`, `g`, `t`, `p` with an optional `b`/`ib`.
    #[error("invalid suffix: '{0}'")]
    InvalidSuffix(String),
    /// The number before the unit is no number (`1.2.3`).
    #[error("strconv.ParseFloat: parsing {0:?}: invalid syntax")]
    InvalidNumber(String),
}

impl std::str::FromStr for ByteSize {
    type Err = SizeError;

    fn from_str(text: &str) -> Result<ByteSize, SizeError> {
        let sep = text.rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ');
        let Some(sep) = sep else { return Err(SizeError::InvalidSize(text.to_string())) };
        let (number, suffix) = match text.as_bytes()[sep] {
            b' ' => (&text[..sep], &text[sep + 1..]),
            _ => (&text[..=sep], &text[sep + 1..]),
        };
        let size: f64 = number.parse().map_err(|_| SizeError::InvalidNumber(number.to_string()))?;
        if size < 0.0 || size.is_nan() {
            return Err(SizeError::InvalidSize(text.to_string()));
        }
        if suffix.len() > 3 {
            return Err(SizeError::InvalidSuffix(suffix.to_string()));
        }
        let suffix = suffix.to_ascii_lowercase();
        let multiplier: i64 = match suffix.as_bytes() {
            [] | [b'b'] => 1,
            [unit, rest @ ..] if rest.is_empty() || rest == b"b" || rest == b"ib" => match unit {
                b'k' => 1 << 10,
                b'm' => 1 << 20,
                b'g' => 1 << 30,
                b't' => 1 << 40,
                b'p' => 1 << 50,
                _ => return Err(SizeError::InvalidSuffix(suffix)),
            },
            _ => return Err(SizeError::InvalidSuffix(suffix)),
        };
        // Go truncates the product to int64 the same way (`int64(size)`).
        Ok(ByteSize((size * multiplier as f64) as i64))
    }
}

/// `--memory-swap`: memory plus swap as a size, or `-1` for unlimited swap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwapLimit {
    Unlimited,
    Total(ByteSize),
}

impl std::str::FromStr for SwapLimit {
    type Err = SizeError;

    fn from_str(text: &str) -> Result<SwapLimit, SizeError> {
        match text {
            "-1" => Ok(SwapLimit::Unlimited),
            _ => text.parse().map(SwapLimit::Total),
        }
    }
}

/// The limits the user asked for at create time, already typed; [`ResourceLimits::from_request`]
/// checks them together.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourceRequest {
    pub memory: Option<ByteSize>,
    pub memory_swap: Option<SwapLimit>,
    /// `--cpus`: a number of CPUs; zero or less means no limit, as with Podman.
    pub cpus: Option<f64>,
    /// `--cpu-shares`: a relative weight; zero means the kernel's default.
    pub cpu_shares: Option<u64>,
    /// `--pids-limit`; `-1` is unlimited.
    pub pids_limit: Option<i64>,
    pub shm_size: Option<ByteSize>,
}

/// A combination of limits Podman refuses at create time, with its words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitsError {
    #[error("minimum memoryswap limit should be larger than memory limit, see usage")]
    SwapBelowMemory,
    #[error("you should always set a memory limit when using a memoryswap limit, see usage")]
    SwapWithoutMemory,
    #[error("CPU cfs quota cannot be less than 1ms (i.e. 1000)")]
    CpuQuotaTooSmall,
    /// rpod has no runtime that can run a container outside cgroups while limiting it.
    #[error("cannot specify resource limits when cgroups are disabled is specified")]
    LimitsWithoutCgroups,
}

/// The limits stored with a container and applied at each start. Podman keeps them in the
/// stored spec's `linux.resources`; rpod builds its spec at start, so it keeps the values.
/// `None` leaves the kernel's default (no limit).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResourceLimits {
    /// Memory limit in bytes.
    #[serde(rename = "memoryLimit", default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<i64>,
    /// Memory plus swap in bytes; Podman makes it twice the memory limit when not given.
    #[serde(rename = "memorySwap", default, skip_serializing_if = "Option::is_none")]
    pub memory_swap: Option<i64>,
    /// CFS quota in microseconds per [`ResourceLimits::cpu_period`].
    #[serde(rename = "cpuQuota", default, skip_serializing_if = "Option::is_none")]
    pub cpu_quota: Option<i64>,
    #[serde(rename = "cpuPeriod", default, skip_serializing_if = "Option::is_none")]
    pub cpu_period: Option<u64>,
    #[serde(rename = "cpuShares", default, skip_serializing_if = "Option::is_none")]
    pub cpu_shares: Option<u64>,
    /// Maximum number of tasks; `-1` unlimited.
    #[serde(rename = "pidsLimit", default, skip_serializing_if = "Option::is_none")]
    pub pids_limit: Option<i64>,
    /// Size of `/dev/shm` in bytes (Podman's key); containers stored before rpod knew it get
    /// [`DEFAULT_SHM_SIZE`].
    #[serde(rename = "shmSize", default, skip_serializing_if = "Option::is_none")]
    pub shm_size: Option<i64>,
}

impl ResourceLimits {
    /// Podman's reading of the create flags: `--memory` without `--memory-swap` allows as much
    /// swap again, `--memory-swap -1` leaves swap unlimited, `--cpus N` is a quota of
    /// `N * 100000` per `100000`, the pids limit defaults to [`DEFAULT_PIDS_LIMIT`] unless
    /// cgroups are disabled, and limits with `--cgroups=disabled` are refused.
    pub fn from_request(request: &ResourceRequest, cgroups_disabled: bool) -> Result<ResourceLimits, LimitsError> {
        let memory = request.memory.map(ByteSize::bytes).filter(|&m| m > 0);
        let memory_swap = match (request.memory_swap, memory) {
            (Some(SwapLimit::Total(total)), _) => Some(total.bytes()),
            (Some(SwapLimit::Unlimited), _) | (None, None) => None,
            (None, Some(memory)) => Some(memory.saturating_mul(2)),
        };
        match (memory, memory_swap) {
            (Some(memory), Some(swap)) if swap < memory => return Err(LimitsError::SwapBelowMemory),
            (None, Some(_)) => return Err(LimitsError::SwapWithoutMemory),
            _ => {}
        }
        let cpu_quota = request.cpus.filter(|&cpus| cpus > 0.0).map(|cpus| (cpus * CPU_PERIOD as f64) as i64);
        if cpu_quota.is_some_and(|quota| quota < MIN_CPU_QUOTA) {
            return Err(LimitsError::CpuQuotaTooSmall);
        }
        let cpu_shares = request.cpu_shares.filter(|&shares| shares > 0);
        let asked = memory.is_some() || memory_swap.is_some() || cpu_quota.is_some() || cpu_shares.is_some();
        if cgroups_disabled && (asked || request.pids_limit.is_some()) {
            return Err(LimitsError::LimitsWithoutCgroups);
        }
        Ok(ResourceLimits {
            memory,
            memory_swap,
            cpu_quota,
            cpu_period: cpu_quota.map(|_| CPU_PERIOD),
            cpu_shares,
            pids_limit: request.pids_limit.or((!cgroups_disabled).then_some(DEFAULT_PIDS_LIMIT)),
            shm_size: Some(request.shm_size.map_or(DEFAULT_SHM_SIZE, ByteSize::bytes)),
        })
    }

    /// The size of the container's `/dev/shm` in bytes.
    pub fn shm_size(&self) -> i64 {
        self.shm_size.unwrap_or(DEFAULT_SHM_SIZE)
    }

    /// `inspect`'s `NanoCpus`: shown only for the standard period, as Podman does.
    pub fn nano_cpus(&self) -> i64 {
        match (self.cpu_period, self.cpu_quota) {
            (Some(CPU_PERIOD), Some(quota)) => quota.saturating_mul(10_000),
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(text: &str) -> Result<i64, String> {
        text.parse::<ByteSize>().map(ByteSize::bytes).map_err(|e| e.to_string())
    }

    #[test]
    fn sizes_follow_go_units() {
        let cases: [(&str, Result<i64, &str>); 18] = [
            ("32m", Ok(32 << 20)),
            ("32M", Ok(32 << 20)),
            ("1g", Ok(1 << 30)),
            ("1.5g", Ok(3 << 29)),
            ("512MiB", Ok(512 << 20)),
            ("100 kb", Ok(100 << 10)),
            ("4096", Ok(4096)),
            ("10b", Ok(10)),
            ("0", Ok(0)),
            ("bogus", Err("invalid size: 'bogus'")),
            ("", Err("invalid size: ''")),
            ("-1", Err("invalid size: '-1'")),
            ("1x", Err("invalid suffix: 'x'")),
            ("1KBB", Err("invalid suffix: 'kbb'")),
            ("1mbit", Err("invalid suffix: 'mbit'")),
            ("1bb", Err("invalid suffix: 'bb'")),
            ("1.2.3", Err("strconv.ParseFloat: parsing \"1.2.3\": invalid syntax")),
            ("m32", Err("strconv.ParseFloat: parsing \"m32\": invalid syntax")),
        ];
        for (text, want) in cases {
            assert_eq!(size(text), want.map_err(str::to_string), "{text:?}");
        }
        assert_eq!("-1".parse::<SwapLimit>(), Ok(SwapLimit::Unlimited));
        assert_eq!(
            "64m".parse::<SwapLimit>().map(|s| matches!(s, SwapLimit::Total(t) if t.bytes() == 64 << 20)),
            Ok(true)
        );
    }

    fn limits(request: ResourceRequest) -> Result<ResourceLimits, String> {
        ResourceLimits::from_request(&request, false).map_err(|e| e.to_string())
    }

    fn bytes(text: &str) -> ByteSize {
        text.parse().unwrap()
    }

    #[test]
    fn memory_and_swap_as_podman_combines_them() {
        let only_memory = limits(ResourceRequest { memory: Some(bytes("32m")), ..Default::default() }).unwrap();
        assert_eq!((only_memory.memory, only_memory.memory_swap), (Some(32 << 20), Some(64 << 20)));
        let unlimited = ResourceRequest {
            memory: Some(bytes("32m")),
            memory_swap: Some(SwapLimit::Unlimited),
            ..Default::default()
        };
        assert_eq!(limits(unlimited).unwrap().memory_swap, None);
        let equal = ResourceRequest {
            memory: Some(bytes("32m")),
            memory_swap: Some(SwapLimit::Total(bytes("32m"))),
            ..Default::default()
        };
        assert_eq!(limits(equal).unwrap().memory_swap, Some(32 << 20));
        let below = ResourceRequest {
            memory: Some(bytes("32m")),
            memory_swap: Some(SwapLimit::Total(bytes("16m"))),
            ..Default::default()
        };
        assert_eq!(
            limits(below).unwrap_err(),
            "minimum memoryswap limit should be larger than memory limit, see usage"
        );
        let alone = ResourceRequest { memory_swap: Some(SwapLimit::Total(bytes("64m"))), ..Default::default() };
        assert_eq!(
            limits(alone).unwrap_err(),
            "you should always set a memory limit when using a memoryswap limit, see usage"
        );
    }

    #[test]
    fn cpus_become_a_quota_per_period() {
        let cpus = limits(ResourceRequest { cpus: Some(1.5), cpu_shares: Some(512), ..Default::default() }).unwrap();
        assert_eq!((cpus.cpu_quota, cpus.cpu_period, cpus.cpu_shares), (Some(150_000), Some(100_000), Some(512)));
        assert_eq!(cpus.nano_cpus(), 1_500_000_000);
        for none in [0.0, -1.0] {
            let unlimited = limits(ResourceRequest { cpus: Some(none), cpu_shares: Some(0), ..Default::default() });
            let unlimited = unlimited.unwrap();
            assert_eq!((unlimited.cpu_quota, unlimited.cpu_period, unlimited.cpu_shares), (None, None, None));
            assert_eq!(unlimited.nano_cpus(), 0);
        }
        assert_eq!(
            limits(ResourceRequest { cpus: Some(0.001), ..Default::default() }).unwrap_err(),
            "CPU cfs quota cannot be less than 1ms (i.e. 1000)"
        );
    }

    #[test]
    fn defaults_and_disabled_cgroups() {
        let plain = limits(ResourceRequest::default()).unwrap();
        assert_eq!(plain.pids_limit, Some(DEFAULT_PIDS_LIMIT));
        assert_eq!(plain.shm_size(), DEFAULT_SHM_SIZE);
        assert_eq!((plain.memory, plain.memory_swap, plain.cpu_quota), (None, None, None));
        let given = limits(ResourceRequest { pids_limit: Some(-1), shm_size: Some(bytes("1g")), ..Default::default() });
        let given = given.unwrap();
        assert_eq!((given.pids_limit, given.shm_size()), (Some(-1), 1 << 30));
        let disabled = ResourceLimits::from_request(&ResourceRequest::default(), true).unwrap();
        assert_eq!(disabled.pids_limit, None, "no default limit without cgroups");
        let refused = ResourceRequest { memory: Some(bytes("32m")), ..Default::default() };
        assert_eq!(ResourceLimits::from_request(&refused, true), Err(LimitsError::LimitsWithoutCgroups));
        let refused = ResourceRequest { pids_limit: Some(10), ..Default::default() };
        assert_eq!(ResourceLimits::from_request(&refused, true), Err(LimitsError::LimitsWithoutCgroups));
        assert_eq!(ResourceLimits::default().shm_size(), DEFAULT_SHM_SIZE, "records from before shmSize");
    }
}
