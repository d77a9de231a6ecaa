//! The mount flags of `create` and `run` (flattened into
//! [`crate::commands::create::CreateArgs`]): `-v/--volume`, `--mount`, `--tmpfs`, parsed here
//! into libpod's [`MountsConfig`] with Podman's errors.

use clap::Args;
use libpod::mounts::{parse_mount, parse_tmpfs, parse_volume, MountsConfig};

/// `-v/--volume`, `--mount`, `--tmpfs`.
#[derive(Debug, Clone, Default, Args)]
pub struct MountFlags {
    /// Bind mount a volume into the container: [SRC:]DEST[:OPTIONS]
    #[arg(short = 'v', long = "volume", value_name = "VOLUME")]
    pub volume: Vec<String>,
    /// Attach a filesystem mount to the container: type=bind|volume|tmpfs,…
    #[arg(long = "mount", value_name = "MOUNT")]
    pub mount: Vec<String>,
    /// Mount a temporary filesystem (tmpfs) into the container: DEST[:OPTIONS]
    #[arg(long = "tmpfs", value_name = "TMPFS")]
    pub tmpfs: Vec<String>,
}

impl MountFlags {
    /// Every flag parsed (relative bind sources from the current directory), Podman's order:
    /// `--mount`, then `-v`, then `--tmpfs`; the first bad one is refused.
    pub fn config(&self) -> anyhow::Result<MountsConfig> {
        let cwd = std::env::current_dir()?;
        let mut specs = Vec::new();
        for value in &self.mount {
            specs.push(parse_mount(value, &cwd)?);
        }
        for value in &self.volume {
            specs.push(parse_volume(value, &cwd)?);
        }
        for value in &self.tmpfs {
            specs.push(parse_tmpfs(value)?);
        }
        Ok(MountsConfig::from_specs(specs)?)
    }
}
