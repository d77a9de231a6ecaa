//! Seccomp profiles in the format Podman and Docker share (`/usr/share/containers/seccomp.json`),
//! translated into the OCI spec's `linux.seccomp` for one container, the way Podman does it:
//! the native architecture's `archMap` entry picks the architectures, and a rule is kept only
//! when the container's bounding capabilities include all of its `includes.caps` and none of
//! its `excludes.caps`, and its architecture filters match. Docker's `includes.minKernel`
//! (which Podman ignores) leaves a rule out on an older running kernel, as Docker does.
//!
//! `create` loads and translates the profile once to refuse a bad one; the container's monitor
//! does it again at each start. Nothing else reads profiles.

mod errno;
mod profile;
mod target;

use std::path::{Path, PathBuf};

use oci_spec::runtime::{LinuxSeccomp, LinuxSeccompArg, LinuxSeccompArgBuilder, LinuxSyscall};

pub use profile::{ArchMapEntry, Arg, Filter, Profile, Rule};
pub use target::Target;

/// The largest profile read: real ones are tens of KiB.
pub const PROFILE_SIZE_LIMIT: u64 = 4 << 20;

/// A profile read from a file, remembering where it came from for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedProfile {
    /// The file it was read from.
    pub path: PathBuf,
    /// Its content.
    pub profile: Profile,
}

/// Why a profile could not be used; each names the profile's file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Podman: `opening seccomp profile failed: open PATH: …`.
    #[error("opening seccomp profile failed: open {}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file larger than [`PROFILE_SIZE_LIMIT`].
    #[error("loading seccomp profile ({}) failed: larger than {PROFILE_SIZE_LIMIT} bytes", path.display())]
    TooLarge { path: PathBuf },
    /// Not JSON, or not a profile (an unknown action, operator or architecture included).
    #[error("loading seccomp profile ({}) failed: decoding seccomp profile failed", path.display())]
    Decode {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// A profile that decodes but cannot be translated.
    #[error("loading seccomp profile ({}) failed: {fault}", path.display())]
    Invalid { path: PathBuf, fault: Fault },
}

/// What is wrong inside a profile that decodes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Fault {
    #[error(
        "'architectures' and 'archMap' were specified in the seccomp profile, use either 'architectures' or 'archMap'"
    )]
    BothArchitectureForms,
    #[error("'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'")]
    BothNameForms,
    #[error("unknown errno {0}")]
    UnknownErrno(String),
    #[error("invalid minKernel {0:?}")]
    InvalidMinKernel(String),
    #[error("the profile has syscall rules but no defaultAction")]
    NoDefaultAction,
    /// oci-spec refused a value while building the filter.
    #[error("building the OCI seccomp filter: {0}")]
    Spec(String),
}

/// Reads and decodes the profile at `path`.
pub fn load(path: &Path) -> Result<LoadedProfile, Error> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|source| Error::Open { path: path.to_path_buf(), source })?;
    let mut bytes = Vec::new();
    file.take(PROFILE_SIZE_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| Error::Open { path: path.to_path_buf(), source })?;
    if bytes.len() as u64 > PROFILE_SIZE_LIMIT {
        return Err(Error::TooLarge { path: path.to_path_buf() });
    }
    let profile =
        serde_json::from_slice(&bytes).map_err(|source| Error::Decode { path: path.to_path_buf(), source })?;
    Ok(LoadedProfile { path: path.to_path_buf(), profile })
}

impl LoadedProfile {
    /// The `linux.seccomp` of a container on `target`; `None` when the profile has neither a
    /// default action nor rules (Podman: seccomp disabled).
    pub fn translate(&self, target: &Target) -> Result<Option<LinuxSeccomp>, Error> {
        translate(&self.profile, target).map_err(|fault| Error::Invalid { path: self.path.clone(), fault })
    }
}

/// The translation itself, on a decoded profile.
pub fn translate(profile: &Profile, target: &Target) -> Result<Option<LinuxSeccomp>, Fault> {
    if profile.default_action.is_none() && profile.syscalls.is_empty() {
        return Ok(None);
    }
    let default_action = profile.default_action.ok_or(Fault::NoDefaultAction)?;
    if !profile.architectures.is_empty() && !profile.arch_map.is_empty() {
        return Err(Fault::BothArchitectureForms);
    }
    let mut architectures = profile.architectures.clone();
    if let Some(native) = archmap_key(&target.arch) {
        if let Some(entry) = profile.arch_map.iter().find(|entry| entry.architecture == native) {
            architectures.push(entry.architecture);
            architectures.extend(&entry.sub_architectures);
        }
    }
    let mut syscalls = Vec::new();
    for rule in &profile.syscalls {
        if !applies(rule, target)? {
            continue;
        }
        if !rule.name.is_empty() && !rule.names.is_empty() {
            return Err(Fault::BothNameForms);
        }
        let names = if rule.name.is_empty() { rule.names.clone() } else { vec![rule.name.clone()] };
        if names.is_empty() {
            continue;
        }
        let mut syscall = LinuxSyscall::default();
        syscall.set_names(names);
        syscall.set_action(rule.action);
        syscall.set_errno_ret(errno(&rule.errno, rule.errno_ret)?);
        if !rule.args.is_empty() {
            syscall.set_args(Some(rule.args.iter().map(spec_arg).collect::<Result<_, _>>()?));
        }
        syscalls.push(syscall);
    }
    let mut seccomp = LinuxSeccomp::default();
    seccomp.set_default_action(default_action);
    seccomp.set_default_errno_ret(errno(&profile.default_errno, profile.default_errno_ret)?);
    seccomp.set_architectures((!architectures.is_empty()).then_some(architectures));
    seccomp.set_flags((!profile.flags.is_empty()).then(|| profile.flags.clone()));
    seccomp.set_listener_path((!profile.listener_path.is_empty()).then(|| PathBuf::from(&profile.listener_path)));
    seccomp.set_listener_metadata((!profile.listener_metadata.is_empty()).then(|| profile.listener_metadata.clone()));
    seccomp.set_syscalls(Some(syscalls));
    Ok(Some(seccomp))
}

/// Whether `rule` is kept for `target` (its architecture, capability and kernel filters).
fn applies(rule: &Rule, target: &Target) -> Result<bool, Fault> {
    let has_cap = |cap: &String| target.capabilities.contains(cap);
    let (includes, excludes) = (&rule.includes, &rule.excludes);
    if excludes.arches.contains(&target.arch) || excludes.caps.iter().any(has_cap) {
        return Ok(false);
    }
    if !includes.arches.is_empty() && !includes.arches.contains(&target.arch) {
        return Ok(false);
    }
    if !includes.caps.iter().all(has_cap) {
        return Ok(false);
    }
    if let Some(min) = &includes.min_kernel {
        let min_version = target::parse_kernel_version(min).ok_or_else(|| Fault::InvalidMinKernel(min.clone()))?;
        if target.kernel < min_version {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The errno a rule returns: its name when given (a number spelled as text is accepted too),
/// else its number.
fn errno(name: &str, number: Option<u32>) -> Result<Option<u32>, Fault> {
    if name.is_empty() {
        return Ok(number);
    }
    match name.parse::<u32>() {
        Ok(value) => Ok(Some(value)),
        Err(_) => errno::by_name(name).map(Some).ok_or_else(|| Fault::UnknownErrno(name.to_string())),
    }
}

fn spec_arg(arg: &Arg) -> Result<LinuxSeccompArg, Fault> {
    let builder = LinuxSeccompArgBuilder::default().index(arg.index).value(arg.value).op(arg.op);
    // Go leaves a zero second value out of the spec; so does rpod.
    let builder = if arg.value_two == 0 { builder } else { builder.value_two(arg.value_two) };
    builder.build().map_err(|err| Fault::Spec(err.to_string()))
}

/// The `archMap` key of a native architecture (Podman maps only these; on others libseccomp
/// picks the native architecture by itself).
fn archmap_key(libseccomp_arch: &str) -> Option<oci_spec::runtime::Arch> {
    use oci_spec::runtime::Arch;
    Some(match libseccomp_arch {
        "amd64" => Arch::ScmpArchX86_64,
        "arm64" => Arch::ScmpArchAarch64,
        "mips64" => Arch::ScmpArchMips64,
        "mips64n32" => Arch::ScmpArchMips64n32,
        "mipsel64" => Arch::ScmpArchMipsel64,
        "mipsel64n32" => Arch::ScmpArchMipsel64n32,
        "s390x" => Arch::ScmpArchS390x,
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
