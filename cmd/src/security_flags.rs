//! The security flags of `create` and `run` (flattened into
//! [`crate::commands::create::CreateArgs`]): capabilities, `--privileged`, `--security-opt`,
//! `--read-only`, `--sysctl`, `--ulimit`, turned here into libpod's types with Podman's errors.

use clap::Args;
use libpod::security::{SecurityError, SecurityRequest};

use crate::go_flags;

/// `--cap-add`, `--cap-drop`, `--privileged`, `--security-opt`, `--read-only`, `--sysctl`, `--ulimit`.
#[derive(Debug, Clone, Default, Args)]
pub struct SecurityFlags {
    /// Add capabilities to the container
    #[arg(long = "cap-add", value_name = "CAP-ADD", value_delimiter = ',')]
    pub cap_add: Vec<String>,
    /// Drop capabilities from the container
    #[arg(long = "cap-drop", value_name = "CAP-DROP", value_delimiter = ',')]
    pub cap_drop: Vec<String>,
    /// Give extended privileges to container
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_flags::parse_bool)]
    pub privileged: Option<bool>,
    /// Security Options
    #[arg(long = "security-opt", value_name = "SECURITY-OPT")]
    pub security_opt: Vec<String>,
    /// Make containers root filesystem read-only
    #[arg(long = "read-only", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_flags::parse_bool)]
    pub read_only: Option<bool>,
    /// Sysctl options
    #[arg(long, value_name = "SYSCTL", value_delimiter = ',')]
    pub sysctl: Vec<String>,
    /// Ulimit options
    #[arg(long, value_name = "ULIMIT", value_delimiter = ',')]
    pub ulimit: Vec<String>,
}

/// Each value parsed into `T`, stopping at the first bad one.
fn parse_all<T: std::str::FromStr<Err = SecurityError>>(values: &[String]) -> Result<Vec<T>, SecurityError> {
    values.iter().map(|v| v.parse()).collect()
}

impl SecurityFlags {
    /// The flags' values, each parsed; the first bad one is refused with Podman's message.
    pub fn request(&self) -> Result<SecurityRequest, SecurityError> {
        Ok(SecurityRequest {
            privileged: self.privileged.unwrap_or(false),
            cap_add: parse_all(&self.cap_add)?,
            cap_drop: parse_all(&self.cap_drop)?,
            security_opts: parse_all(&self.security_opt)?,
            read_only: self.read_only.unwrap_or(false),
            sysctls: parse_all(&self.sysctl)?,
            ulimits: parse_all(&self.ulimit)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_become_types_and_bad_ones_podmans_errors() {
        let flags = SecurityFlags {
            cap_add: vec!["sys_admin".into()],
            security_opt: vec!["seccomp=unconfined".into()],
            ulimit: vec!["nofile=10:20".into()],
            privileged: Some(true),
            ..Default::default()
        };
        let request = flags.request().unwrap();
        assert!(request.privileged && !request.read_only);
        assert_eq!((request.cap_add.len(), request.security_opts.len(), request.ulimits.len()), (1, 1, 1));
        let bad = SecurityFlags { cap_drop: vec!["BOGUS".into()], ..Default::default() };
        assert_eq!(bad.request().unwrap_err().to_string(), r#""CAP_BOGUS": unknown capability"#);
    }
}
