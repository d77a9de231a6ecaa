//! What a profile is translated for: the machine and the container's capabilities.

/// The facts rules are filtered by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The native architecture in libseccomp's name (`amd64`, `arm64`), as profiles'
    /// `includes.arches` spell it.
    pub arch: String,
    /// The running kernel's version (major, minor), for Docker's `minKernel`.
    pub kernel: (u32, u32),
    /// The container's bounding capabilities (`CAP_CHOWN`): rules that need one it lacks are
    /// left out, rules excluded by one it has too.
    pub capabilities: Vec<String>,
}

impl Target {
    /// This machine, for a container with `capabilities`.
    pub fn host(capabilities: Vec<String>) -> Target {
        let release =
            nix::sys::utsname::uname().map(|u| u.release().to_string_lossy().into_owned()).unwrap_or_default();
        Target {
            arch: libseccomp_arch_name(std::env::consts::ARCH).to_string(),
            kernel: parse_kernel_version(&release).unwrap_or((0, 0)),
            capabilities,
        }
    }
}

/// libseccomp's name of a Rust target architecture.
fn libseccomp_arch_name(rust_arch: &str) -> &str {
    match rust_arch {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
        "loongarch64" => "loong64",
        "mips64" if cfg!(target_endian = "little") => "mipsel64",
        other => other,
    }
}

/// `major.minor` of a kernel release (`6.1.0-13-amd64`) or a `minKernel` value (`4.8`).
pub(crate) fn parse_kernel_version(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.split(['.', '-', '+']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().map_or(Some(0), |m| m.parse().ok())?;
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_versions_parse() {
        assert_eq!(parse_kernel_version("6.18.44-fc-v782"), Some((6, 18)));
        assert_eq!(parse_kernel_version("4.8"), Some((4, 8)));
        assert_eq!(parse_kernel_version("5"), Some((5, 0)));
        assert_eq!(parse_kernel_version("x.y"), None);
    }

    #[test]
    fn the_host_target_names_its_arch_as_libseccomp_does() {
        let target = Target::host(vec![]);
        if cfg!(target_arch = "x86_64") {
            assert_eq!(target.arch, "amd64");
        }
        assert!(target.kernel.0 >= 3);
    }
}
