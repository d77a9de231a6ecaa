//! The seccomp.json format Podman and Docker share, as a profile file spells it.

use oci_spec::runtime::{Arch, LinuxSeccompAction, LinuxSeccompFilterFlag, LinuxSeccompOperator};
use serde::{Deserialize, Deserializer};

/// A whole profile. Unknown keys (`comment`, Docker's extras) are ignored, as Podman ignores
/// them; values of the wrong kind, unknown actions, architectures or operators are errors.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// What a syscall no rule matches gets.
    #[serde(default)]
    pub default_action: Option<LinuxSeccompAction>,
    /// The errno of `defaultAction` `SCMP_ACT_ERRNO`, as a number.
    #[serde(default)]
    pub default_errno_ret: Option<u32>,
    /// The same errno by name (`ENOSYS`); wins over `defaultErrnoRet`.
    #[serde(default, deserialize_with = "nullable")]
    pub default_errno: String,
    /// Architectures the filter covers, listed directly.
    #[serde(default, deserialize_with = "nullable")]
    pub architectures: Vec<Arch>,
    /// Architectures the filter covers, keyed by the native one.
    #[serde(default, deserialize_with = "nullable")]
    pub arch_map: Vec<ArchMapEntry>,
    /// The rules, in order.
    #[serde(default, deserialize_with = "nullable")]
    pub syscalls: Vec<Rule>,
    /// Flags for the kernel's `seccomp(2)` call.
    #[serde(default, deserialize_with = "nullable")]
    pub flags: Vec<LinuxSeccompFilterFlag>,
    /// The socket of a seccomp agent (`SCMP_ACT_NOTIFY`).
    #[serde(default, deserialize_with = "nullable")]
    pub listener_path: String,
    /// Data passed to that agent.
    #[serde(default, deserialize_with = "nullable")]
    pub listener_metadata: String,
}

/// One `archMap` entry: the native architecture and those that run on it too.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchMapEntry {
    /// The native architecture this entry is for.
    pub architecture: Arch,
    /// The other architectures its binaries may use (x86 and x32 on x86-64).
    #[serde(default, deserialize_with = "nullable")]
    pub sub_architectures: Vec<Arch>,
}

/// One entry of `syscalls`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// A single syscall name (the older spelling); a rule gives `name` or `names`.
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// The syscalls this rule covers.
    #[serde(default, deserialize_with = "nullable")]
    pub names: Vec<String>,
    /// What they get.
    pub action: LinuxSeccompAction,
    /// Conditions on the arguments (all must hold).
    #[serde(default, deserialize_with = "nullable")]
    pub args: Vec<Arg>,
    /// The errno of `SCMP_ACT_ERRNO`, as a number.
    #[serde(default)]
    pub errno_ret: Option<u32>,
    /// The errno by name; wins over `errnoRet`.
    #[serde(default, deserialize_with = "nullable")]
    pub errno: String,
    /// The rule applies only when all of these hold.
    #[serde(default, deserialize_with = "nullable")]
    pub includes: Filter,
    /// The rule is left out when any of these holds.
    #[serde(default, deserialize_with = "nullable")]
    pub excludes: Filter,
}

/// Conditions on the container a rule depends on.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    /// Capabilities (`CAP_SYS_ADMIN`) of the container's bounding set.
    #[serde(default, deserialize_with = "nullable")]
    pub caps: Vec<String>,
    /// Native architectures in libseccomp's names (`amd64`, `arm64`, `x32`).
    #[serde(default, deserialize_with = "nullable")]
    pub arches: Vec<String>,
    /// Docker's oldest kernel (`4.8`) the rule applies on.
    #[serde(default)]
    pub min_kernel: Option<String>,
}

/// A condition on one syscall argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Arg {
    /// Which argument (0-based).
    pub index: usize,
    /// The value compared with.
    pub value: u64,
    /// The second value (the mask's operand of `SCMP_CMP_MASKED_EQ`).
    #[serde(default)]
    pub value_two: u64,
    /// How they are compared.
    pub op: LinuxSeccompOperator,
}

/// Go writes absent lists and objects as `null`; read that as empty.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(deserializer: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}
