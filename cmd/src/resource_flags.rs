//! The resource-limit and name-resolution flags of `create` and `run` (flattened into
//! [`crate::commands::create::CreateArgs`]), turned here into libpod's types with the errors
//! Podman prints for bad values.

use anyhow::Context;
use clap::Args;
use libpod::limits::{ByteSize, ResourceRequest, SwapLimit};
use libpod::name_resolution::{self, DnsServers, ExtraHost, NameResolution};

use crate::go_flags;

/// How Podman describes a size flag's value.
const SIZE_FORMAT: &str =
    "(format: `<number>[<unit>]`, where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))";

/// `--memory`, `--memory-swap`, `--cpus`, `--cpu-shares`, `--pids-limit`, `--shm-size`, `--dns`,
/// `--dns-option`, `--dns-search`, `--add-host`, `--no-hosts`.
#[derive(Debug, Clone, Default, Args)]
pub struct ResourceFlags {
    #[arg(short = 'm', long, value_name = "MEMORY", help = format!("Memory limit {SIZE_FORMAT}"))]
    pub memory: Option<String>,
    /// Swap limit equal to memory plus swap: '-1' to enable unlimited swap
    #[arg(long = "memory-swap", value_name = "MEMORY-SWAP", allow_hyphen_values = true)]
    pub memory_swap: Option<String>,
    /// Number of CPUs. The default is 0.000 which means no limit
    #[arg(long, value_name = "CPUS", allow_hyphen_values = true)]
    pub cpus: Option<String>,
    /// CPU shares (relative weight)
    #[arg(short = 'c', long = "cpu-shares", value_name = "CPU-SHARES", allow_hyphen_values = true)]
    pub cpu_shares: Option<String>,
    /// Tune container pids limit (set -1 for unlimited)
    #[arg(long = "pids-limit", value_name = "PIDS-LIMIT", allow_hyphen_values = true)]
    pub pids_limit: Option<String>,
    #[arg(long = "shm-size", value_name = "SHM-SIZE", help = format!("Size of /dev/shm {SIZE_FORMAT}"))]
    pub shm_size: Option<String>,
    /// Set custom DNS servers
    #[arg(long = "dns", value_name = "DNS")]
    pub dns: Vec<String>,
    /// Set custom DNS options
    #[arg(long = "dns-option", value_name = "DNS-OPTION")]
    pub dns_options: Vec<String>,
    /// Set custom DNS search domains
    #[arg(long = "dns-search", value_name = "DNS-SEARCH")]
    pub dns_search: Vec<String>,
    /// Add a custom host-to-IP mapping (host:ip) (default [])
    #[arg(long = "add-host", value_name = "ADD-HOST")]
    pub add_host: Vec<String>,
    /// Do not create /etc/hosts within the container, instead use the version from the image
    #[arg(long = "no-hosts", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_flags::parse_bool)]
    pub no_hosts: Option<bool>,
}

impl ResourceFlags {
    /// The limits asked for, each value parsed as Podman parses it.
    pub fn resources(&self) -> anyhow::Result<ResourceRequest> {
        let size = |value: &Option<String>, what: &str| -> anyhow::Result<Option<ByteSize>> {
            value.as_deref().map(|v| v.parse::<ByteSize>().context(what.to_string())).transpose()
        };
        let memory_swap = self.memory_swap.as_deref().map(str::parse::<SwapLimit>).transpose();
        Ok(ResourceRequest {
            memory: size(&self.memory, "invalid value for memory")?,
            memory_swap: memory_swap.context("invalid value for memory")?,
            cpus: self.cpus.as_deref().map(|v| parse_float("--cpus", v)).transpose()?,
            cpu_shares: self.cpu_shares.as_deref().map(|v| parse_u64("-c, --cpu-shares", v)).transpose()?,
            pids_limit: self.pids_limit.as_deref().map(parse_pids_limit).transpose()?,
            shm_size: size(&self.shm_size, "unable to translate --shm-size")?,
        })
    }

    /// The name-resolution settings asked for; each list flag also takes comma-separated values,
    /// as Podman's do.
    pub fn name_resolution(&self) -> anyhow::Result<NameResolution> {
        let (dns_servers, use_image_resolv_conf) = match name_resolution::parse_dns_servers(&split(&self.dns))? {
            DnsServers::Servers(servers) => (servers, false),
            DnsServers::UseImage => (Vec::new(), true),
        };
        let dns_search = split(&self.dns_search);
        name_resolution::check_search_domains(&dns_search)?;
        let hosts_add = split(&self.add_host).iter().map(|h| h.parse::<ExtraHost>()).collect::<Result<_, _>>()?;
        Ok(NameResolution {
            dns_servers,
            dns_search,
            dns_options: split(&self.dns_options),
            hosts_add,
            use_image_resolv_conf,
            use_image_hosts: self.no_hosts.unwrap_or(false),
        })
    }
}

/// pflag's string-slice reading: every occurrence, each split on commas.
fn split(values: &[String]) -> Vec<String> {
    values.iter().flat_map(|v| v.split(',')).map(str::to_string).collect()
}

fn invalid(flag: &str, value: &str, parser: &str, reason: &str) -> anyhow::Error {
    anyhow::anyhow!("invalid argument \"{value}\" for \"{flag}\" flag: strconv.{parser}: parsing \"{value}\": {reason}")
}

/// A Go `float64` flag value.
fn parse_float(flag: &str, value: &str) -> anyhow::Result<f64> {
    value.parse().map_err(|_| invalid(flag, value, "ParseFloat", "invalid syntax"))
}

/// A Go `uint64` flag value (decimal).
fn parse_u64(flag: &str, value: &str) -> anyhow::Result<u64> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(flag, value, "ParseUint", "invalid syntax"));
    }
    value.parse().map_err(|_| invalid(flag, value, "ParseUint", "value out of range"))
}

/// `--pids-limit`: pflag's `int64`, then Podman's second reading as a 32-bit number.
fn parse_pids_limit(value: &str) -> anyhow::Result<i64> {
    let digits = value.strip_prefix(['-', '+']).unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("--pids-limit", value, "ParseInt", "invalid syntax"));
    }
    let limit: i64 = value.parse().map_err(|_| invalid("--pids-limit", value, "ParseInt", "value out of range"))?;
    i32::try_from(limit)
        .map(i64::from)
        .map_err(|_| anyhow::anyhow!("strconv.ParseInt: parsing \"{limit}\": value out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_line(err: anyhow::Error) -> String {
        err.chain().map(ToString::to_string).collect::<Vec<_>>().join(": ")
    }

    fn flags(edit: impl FnOnce(&mut ResourceFlags)) -> ResourceFlags {
        let mut flags = ResourceFlags::default();
        edit(&mut flags);
        flags
    }

    #[test]
    fn limits_are_typed_with_podmans_errors() {
        let good = flags(|f| {
            f.memory = Some("32m".into());
            f.memory_swap = Some("-1".into());
            f.cpus = Some("1.5".into());
            f.cpu_shares = Some("512".into());
            f.pids_limit = Some("-1".into());
            f.shm_size = Some("128m".into());
        });
        let request = good.resources().unwrap();
        assert_eq!(request.memory.map(ByteSize::bytes), Some(32 << 20));
        assert_eq!(request.memory_swap, Some(SwapLimit::Unlimited));
        assert_eq!((request.cpus, request.cpu_shares, request.pids_limit), (Some(1.5), Some(512), Some(-1)));
        assert_eq!(request.shm_size.map(ByteSize::bytes), Some(128 << 20));
        let cases: [(ResourceFlags, &str); 6] = [
            (flags(|f| f.memory = Some("bogus".into())), "invalid value for memory: invalid size: 'bogus'"),
            (flags(|f| f.memory_swap = Some("1x".into())), "invalid value for memory: invalid suffix: 'x'"),
            (
                flags(|f| f.cpus = Some("bogus".into())),
                "invalid argument \"bogus\" for \"--cpus\" flag: strconv.ParseFloat: parsing \"bogus\": invalid syntax",
            ),
            (
                flags(|f| f.cpu_shares = Some("-3".into())),
                "invalid argument \"-3\" for \"-c, --cpu-shares\" flag: strconv.ParseUint: parsing \"-3\": invalid syntax",
            ),
            (
                flags(|f| f.pids_limit = Some("x".into())),
                "invalid argument \"x\" for \"--pids-limit\" flag: strconv.ParseInt: parsing \"x\": invalid syntax",
            ),
            (flags(|f| f.shm_size = Some("1x".into())), "unable to translate --shm-size: invalid suffix: 'x'"),
        ];
        for (bad, want) in cases {
            assert_eq!(error_line(bad.resources().unwrap_err()), want);
        }
        let huge = flags(|f| f.pids_limit = Some("99999999999".into()));
        assert_eq!(
            error_line(huge.resources().unwrap_err()),
            "strconv.ParseInt: parsing \"99999999999\": value out of range"
        );
    }

    #[test]
    fn name_resolution_lists_split_on_commas() {
        let given = flags(|f| {
            f.dns = vec!["1.1.1.1,8.8.8.8".into()];
            f.dns_search = vec!["example.com".into()];
            f.dns_options = vec!["ndots:2,edns0".into()];
            f.add_host = vec!["foo:10.0.0.1".into()];
        });
        let settings = given.name_resolution().unwrap();
        assert_eq!(settings.dns_servers.len(), 2);
        assert_eq!(settings.dns_options, ["ndots:2", "edns0"]);
        assert_eq!(settings.hosts_add[0].to_string(), "foo:10.0.0.1");
        let none = flags(|f| f.dns = vec!["none".into()]).name_resolution().unwrap();
        assert!(none.use_image_resolv_conf && none.dns_servers.is_empty());
        let bad = flags(|f| f.add_host = vec!["bad".into()]);
        assert_eq!(error_line(bad.name_resolution().unwrap_err()), "bad format for add-host: \"bad\"");
    }
}
