//! The mount flags of `create` and `run` (flattened into
//! [`crate::commands::create::CreateArgs`]): `-v/--volume`, `--mount`, `--tmpfs`, parsed here
//! into libpod's [`MountsConfig`] with Podman's errors.

use clap::Args;
use libpod::mounts::{parse_mount, parse_tmpfs, parse_volume, ImageVolumeMode, MountsConfig};

/// `-v/--volume`, `--mount`, `--tmpfs`.
#[derive(Debug, Clone, Args)]
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
    /// Tells container engines how to handle the built-in image volumes (bind|tmpfs|ignore)
    #[arg(long = "image-volume", value_name = "IMAGE-VOLUME", default_value = "bind")]
    pub image_volume: String,
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

    /// `--image-volume`, refused in Podman's words unless `bind`, `tmpfs` or `ignore`.
    pub fn image_volume_mode(&self) -> anyhow::Result<ImageVolumeMode> {
        Ok(self.image_volume.parse()?)
    }
}
