//! An image's `VOLUME` declarations at create: Podman gives each container an anonymous volume
//! at every such destination that none of the container's own mounts covers, so data written
//! there outlives the container's writable layer (`--image-volume` picks a tmpfs instead, or
//! nothing).

use std::path::{Component, Path};
use std::str::FromStr;

use super::{MountError, MountsConfig, NamedVolume, StoredMount};
use crate::volume::VolumeName;

/// Podman's options for a mount made from an image's `VOLUME` (`exec`, unlike a tmpfs flag's).
const IMAGE_VOLUME_OPTIONS: [&str; 4] = ["rprivate", "rw", "nodev", "exec"];

/// `--image-volume`: what an image's `VOLUME` becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImageVolumeMode {
    /// An anonymous volume (Podman's default, `bind`), removed with the container by `rm -v`.
    #[default]
    Bind,
    /// An empty tmpfs at every start.
    Tmpfs,
    /// Nothing: the image's content at the destination stays in the container's own layer.
    Ignore,
}

impl FromStr for ImageVolumeMode {
    type Err = MountError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "bind" => Ok(ImageVolumeMode::Bind),
            "tmpfs" => Ok(ImageVolumeMode::Tmpfs),
            "ignore" => Ok(ImageVolumeMode::Ignore),
            other => Err(MountError::ImageVolumeMode(other.to_string())),
        }
    }
}

/// `path` without trailing, doubled or `.` components: how Podman compares destinations
/// (`/data/` is covered by `-v x:/data`).
fn clean(path: &str) -> String {
    let mut out = String::new();
    for component in Path::new(path).components() {
        if let Component::Normal(part) = component {
            out.push('/');
            out.push_str(&part.to_string_lossy());
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

impl MountsConfig {
    /// Adds the image's `VOLUME` destinations as `mode` says, skipping those a mount of the
    /// user's already covers (the user's mount wins, as in Podman).
    pub fn add_image_volumes(&mut self, image_volumes: &[String], mode: ImageVolumeMode) {
        let options: Vec<String> = IMAGE_VOLUME_OPTIONS.iter().map(|o| o.to_string()).collect();
        for dest in image_volumes.iter().map(|d| clean(d)) {
            let taken = self.mounts.iter().map(|m| &m.destination).chain(self.named_volumes.iter().map(|v| &v.dest));
            if taken.map(|d| clean(d)).any(|d| d == dest) {
                continue;
            }
            match mode {
                ImageVolumeMode::Bind => self.named_volumes.push(NamedVolume {
                    volume_name: VolumeName::random(),
                    dest,
                    options: options.clone(),
                    is_anonymous: true,
                }),
                ImageVolumeMode::Tmpfs => self.mounts.push(StoredMount {
                    destination: dest,
                    kind: "tmpfs".to_string(),
                    source: String::new(),
                    options: options.clone(),
                }),
                ImageVolumeMode::Ignore => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mounts::{parse_tmpfs, parse_volume};

    fn user_mounts() -> MountsConfig {
        let cwd = Path::new("/");
        MountsConfig::from_specs(vec![parse_volume("named:/data/", cwd).unwrap(), parse_tmpfs("/run").unwrap()])
            .unwrap()
    }

    #[test]
    fn image_volumes_become_anonymous_volumes_where_the_user_mounts_nothing() {
        let mut config = user_mounts();
        let image = ["/data".to_string(), "/run/".to_string(), "/var/lib//db/".to_string()];
        config.add_image_volumes(&image, ImageVolumeMode::Bind);
        assert_eq!(config.named_volumes.len(), 2);
        let added = &config.named_volumes[1];
        assert_eq!((added.dest.as_str(), added.is_anonymous), ("/var/lib/db", true));
        assert_eq!(added.options, ["rprivate", "rw", "nodev", "exec"]);
        assert_eq!(config.mounts.len(), 1, "the user's tmpfs covers /run");
    }

    #[test]
    fn tmpfs_and_ignore_modes() {
        let mut config = MountsConfig::default();
        config.add_image_volumes(&["/cache".to_string()], ImageVolumeMode::Tmpfs);
        assert_eq!(config.mounts[0].kind, "tmpfs");
        assert_eq!(config.mounts[0].destination, "/cache");
        assert!(config.named_volumes.is_empty());
        let mut config = MountsConfig::default();
        config.add_image_volumes(&["/cache".to_string()], ImageVolumeMode::Ignore);
        assert_eq!(config, MountsConfig::default());
    }

    #[test]
    fn modes_are_podmans() {
        assert_eq!("bind".parse::<ImageVolumeMode>().unwrap(), ImageVolumeMode::Bind);
        assert_eq!("ignore".parse::<ImageVolumeMode>().unwrap(), ImageVolumeMode::Ignore);
        let refused = "anonymous".parse::<ImageVolumeMode>().unwrap_err().to_string();
        assert_eq!(refused, "invalid image volume mode \"anonymous\" required value: bind, tmpfs, ignore");
    }
}
