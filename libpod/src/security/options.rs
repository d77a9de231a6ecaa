//! `--security-opt`, `--sysctl` and `--ulimit` values (and containers.conf's defaults of the
//! last two), parsed with Podman's rules and messages.

use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::SecurityError as Error;

/// One `--security-opt` rpod applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecurityOpt {
    /// `seccomp=unconfined` or `seccomp=PATH`.
    Seccomp(SeccompChoice),
    /// `no-new-privileges`, `no-new-privileges=BOOL`.
    NoNewPrivileges(bool),
    /// `label=…`: accepted and ignored, as Podman ignores it on a host without SELinux (rpod
    /// applies no SELinux labels).
    Label(String),
    /// `apparmor=unconfined`: accepted; rpod applies no AppArmor profile.
    AppArmorUnconfined,
    /// `mask=PATH[:PATH...]`: more paths to hide.
    Mask(Vec<String>),
    /// `unmask=ALL|PATTERN[:PATTERN...]` (and `systempaths=unconfined`, which is `unmask=ALL`):
    /// default masked or read-only paths to leave alone.
    Unmask(String),
}

/// The user's seccomp choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeccompChoice {
    /// No filter.
    Unconfined,
    /// The profile in this file.
    Profile(PathBuf),
}

impl FromStr for SecurityOpt {
    type Err = Error;

    /// Podman's parse: `no-new-privileges` alone, else `KEY=VALUE` (or Docker's deprecated
    /// `KEY:VALUE`); anything else is refused with Podman's words.
    fn from_str(opt: &str) -> Result<SecurityOpt, Error> {
        if opt == "no-new-privileges" {
            return Ok(SecurityOpt::NoNewPrivileges(true));
        }
        let separator = if opt.contains('=') { '=' } else { ':' };
        let Some((key, value)) = opt.split_once(separator) else {
            return Err(Error::InvalidSecurityOpt { form: 1, opt: opt.to_string() });
        };
        let invalid = || Error::InvalidSecurityOpt { form: 2, opt: opt.to_string() };
        match key {
            "seccomp" if value == "unconfined" => Ok(SecurityOpt::Seccomp(SeccompChoice::Unconfined)),
            "seccomp" => Ok(SecurityOpt::Seccomp(SeccompChoice::Profile(PathBuf::from(value)))),
            "no-new-privileges" => {
                crate::flag_values::parse_go_bool(value).map(SecurityOpt::NoNewPrivileges).ok_or_else(invalid)
            }
            "label" => Ok(SecurityOpt::Label(value.to_string())),
            "apparmor" if value == "unconfined" => Ok(SecurityOpt::AppArmorUnconfined),
            "apparmor" => Err(Error::AppArmorUnsupported(value.to_string())),
            "mask" => Ok(SecurityOpt::Mask(value.split(':').map(str::to_string).collect())),
            "unmask" => Ok(SecurityOpt::Unmask(value.to_string())),
            "systempaths" if value == "unconfined" => Ok(SecurityOpt::Unmask("ALL".to_string())),
            "systempaths" => Err(Error::InvalidSystemPaths(value.to_string())),
            "proc-opts" => Err(Error::UnsupportedSecurityOpt(opt.to_string())),
            _ => Err(invalid()),
        }
    }
}

/// One `--sysctl` (or `default_sysctls`) entry: Podman accepts the namespaced ones only
/// (`net.*`, `fs.mqueue.*` and the IPC `kernel.*` keys).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sysctl {
    /// `net.ipv4.ping_group_range`.
    pub name: String,
    /// `0 1000`.
    pub value: String,
}

/// The `kernel.*` sysctls an IPC namespace holds.
const IPC_SYSCTLS: [&str; 8] = [
    "kernel.msgmax",
    "kernel.msgmnb",
    "kernel.msgmni",
    "kernel.sem",
    "kernel.shmall",
    "kernel.shmmax",
    "kernel.shmmni",
    "kernel.shm_rmid_forced",
];

impl FromStr for Sysctl {
    type Err = Error;

    fn from_str(entry: &str) -> Result<Sysctl, Error> {
        let mut parts = entry.split('=');
        let (Some(name), Some(value)) = (parts.next(), parts.next()) else {
            return Err(Error::SysctlForm(entry.to_string()));
        };
        if name.trim() != name || value.trim() != value {
            return Err(Error::SysctlSpaces(entry.to_string()));
        }
        if !(IPC_SYSCTLS.contains(&name) || name.starts_with("net.") || name.starts_with("fs.mqueue.")) {
            return Err(Error::SysctlNotAllowed(name.to_string()));
        }
        Ok(Sysctl { name: name.to_string(), value: value.to_string() })
    }
}

impl Sysctl {
    /// Whether the sysctl belongs to the network namespace (meaningless, and refused, when the
    /// container shares the host's).
    pub fn is_network(&self) -> bool {
        self.name.starts_with("net.")
    }
}

/// One `--ulimit` (or `default_ulimits`) entry: `NAME=SOFT[:HARD]`, `-1` for unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ulimit {
    /// The resource.
    #[serde(rename = "Name")]
    pub kind: UlimitKind,
    /// The soft limit (`u64::MAX`: unlimited).
    #[serde(rename = "Soft")]
    pub soft: u64,
    /// The hard limit (`u64::MAX`: unlimited).
    #[serde(rename = "Hard")]
    pub hard: u64,
}

/// The resources `--ulimit` names (Go's `units.ParseUlimit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UlimitKind {
    Core,
    Cpu,
    Data,
    Fsize,
    Locks,
    Memlock,
    Msgqueue,
    Nice,
    Nofile,
    Nproc,
    Rss,
    Rtprio,
    Rttime,
    Sigpending,
    Stack,
}

impl UlimitKind {
    const ALL: [(&'static str, UlimitKind); 15] = [
        ("core", UlimitKind::Core),
        ("cpu", UlimitKind::Cpu),
        ("data", UlimitKind::Data),
        ("fsize", UlimitKind::Fsize),
        ("locks", UlimitKind::Locks),
        ("memlock", UlimitKind::Memlock),
        ("msgqueue", UlimitKind::Msgqueue),
        ("nice", UlimitKind::Nice),
        ("nofile", UlimitKind::Nofile),
        ("nproc", UlimitKind::Nproc),
        ("rss", UlimitKind::Rss),
        ("rtprio", UlimitKind::Rtprio),
        ("rttime", UlimitKind::Rttime),
        ("sigpending", UlimitKind::Sigpending),
        ("stack", UlimitKind::Stack),
    ];

    /// `nofile`.
    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, k)| *k == self).map(|(n, _)| *n).unwrap_or_default()
    }
}

impl FromStr for Ulimit {
    type Err = Error;

    fn from_str(entry: &str) -> Result<Ulimit, Error> {
        let invalid = |reason: String| Error::InvalidUlimit { entry: entry.to_string(), reason };
        let (name, limits) =
            entry.split_once('=').ok_or_else(|| invalid(format!("invalid ulimit argument: {entry}")))?;
        let kind = UlimitKind::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, k)| *k)
            .ok_or_else(|| invalid(format!("invalid ulimit type: {name}")))?;
        let limit = |text: &str| -> Result<u64, Error> {
            match text {
                "-1" => Ok(u64::MAX),
                _ => text.parse().map_err(|_| invalid(format!("invalid ulimit value: {text}"))),
            }
        };
        let (soft, hard) = match limits.split_once(':') {
            Some((soft, hard)) => (limit(soft)?, limit(hard)?),
            None => (limit(limits)?, limit(limits)?),
        };
        if soft > hard {
            return Err(invalid(format!(
                "ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}"
            )));
        }
        Ok(Ulimit { kind, soft, hard })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_opts_parse_with_podmans_messages() {
        let ok = |s: &str| s.parse::<SecurityOpt>().unwrap();
        assert_eq!(ok("no-new-privileges"), SecurityOpt::NoNewPrivileges(true));
        assert_eq!(ok("no-new-privileges=false"), SecurityOpt::NoNewPrivileges(false));
        assert_eq!(ok("no-new-privileges:1"), SecurityOpt::NoNewPrivileges(true));
        assert_eq!(ok("seccomp=unconfined"), SecurityOpt::Seccomp(SeccompChoice::Unconfined));
        assert_eq!(ok("seccomp:/p.json"), SecurityOpt::Seccomp(SeccompChoice::Profile("/p.json".into())));
        assert_eq!(ok("label=disable"), SecurityOpt::Label("disable".into()));
        let err = |s: &str| s.parse::<SecurityOpt>().unwrap_err().to_string();
        assert_eq!(err("foo"), r#"invalid --security-opt 1: "foo""#);
        assert_eq!(err("foo=bar"), r#"invalid --security-opt 2: "foo=bar""#);
        assert_eq!(err("no-new-privileges=maybe"), r#"invalid --security-opt 2: "no-new-privileges=maybe""#);
        assert!(err("apparmor=docker-default").contains("AppArmor"));
        assert!(err("proc-opts=hidepid=2").contains("not supported"));
        assert_eq!(ok("systempaths=unconfined"), SecurityOpt::Unmask("ALL".into()));
        assert_eq!(ok("mask=/a:/b"), SecurityOpt::Mask(vec!["/a".into(), "/b".into()]));
        assert_eq!(err("systempaths=x"), r#"invalid systempaths option "x", only `unconfined` is supported"#);
    }

    #[test]
    fn sysctls_follow_podmans_allow_list() {
        let ok: Sysctl = "net.ipv4.ping_group_range=0 1000".parse().unwrap();
        assert_eq!(
            (ok.name.as_str(), ok.value.as_str(), ok.is_network()),
            ("net.ipv4.ping_group_range", "0 1000", true)
        );
        assert!(!"kernel.shmmax=1".parse::<Sysctl>().unwrap().is_network());
        let err = |s: &str| s.parse::<Sysctl>().unwrap_err().to_string();
        assert_eq!(err("kernel.hostname=x"), "sysctl 'kernel.hostname' is not allowed");
        assert_eq!(err("net.x"), "net.x is invalid, sysctl values must be in the form of KEY=VALUE");
        assert_eq!(err("net.x = 1"), "'net.x = 1' is invalid, extra spaces found");
    }

    #[test]
    fn ulimits_parse_with_podmans_messages() {
        let ok = |s: &str| s.parse::<Ulimit>().unwrap();
        assert_eq!(ok("nofile=1024:2048"), Ulimit { kind: UlimitKind::Nofile, soft: 1024, hard: 2048 });
        assert_eq!(ok("nproc=50"), Ulimit { kind: UlimitKind::Nproc, soft: 50, hard: 50 });
        assert_eq!(ok("core=-1").hard, u64::MAX);
        let err = |s: &str| s.parse::<Ulimit>().unwrap_err().to_string();
        assert_eq!(
            err("bogus=1"),
            r#"ulimit option "bogus=1" requires name=SOFT:HARD, failed to be parsed: invalid ulimit type: bogus"#
        );
        assert_eq!(
            err("nofile=5:3"),
            r#"ulimit option "nofile=5:3" requires name=SOFT:HARD, failed to be parsed: ulimit soft limit must be less than or equal to hard limit: 5 > 3"#
        );
        assert!(err("nofile=x").ends_with("invalid ulimit value: x"));
        assert_eq!(UlimitKind::Nofile.name(), "nofile");
        assert_eq!(serde_json::to_string(&ok("nofile=1:2")).unwrap(), r#"{"Name":"nofile","Soft":1,"Hard":2}"#);
    }
}
