//! What can go wrong with volumes, in Podman's words where users see them.

use std::path::PathBuf;

/// Volume errors; the store wraps them in [`crate::Error::Volume`].
#[derive(Debug, thiserror::Error)]
pub enum VolumeError {
    /// Podman's name rule (`volume create a/b`).
    #[error("names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument")]
    InvalidName(String),
    #[error("volume with name {0} already exists: volume already exists")]
    Exists(String),
    #[error("no volume with name {0:?} found: no such volume")]
    NoSuchVolume(String),
    /// A partial name that starts more than one volume's name (Podman's words).
    #[error("more than one result for volume name {0:?}: volume already exists")]
    Ambiguous(String),
    /// Podman's refusal to remove a volume a container still uses.
    #[error("volume {name} is being used by the following container(s): {}: volume is being used", containers.join(", "))]
    InUse { name: String, containers: Vec<String> },
    /// A driver other than `local`: Podman looks for a plugin of that name and finds none.
    #[error("volume {name} uses volume plugin {driver} but it could not be retrieved: no volume plugin with name {driver} available: required plugin missing")]
    UnknownDriver { name: String, driver: String },
    #[error("invalid mount option {0} for driver 'local': invalid argument")]
    InvalidOption(String),
    /// `mount(8)` refused a volume's filesystem (`--opt type/device/o`); its output says why.
    #[error("mounting volume {name}: {output}")]
    Mount { name: String, output: String },
    #[error("unmounting volume {name}: {source}")]
    Unmount {
        name: String,
        #[source]
        source: std::io::Error,
    },
    /// A filter value that cannot be read (`dangling=maybe`, `until=soon`, no `=`).
    #[error("invalid filter {0:?}")]
    InvalidFilter(String),
    /// Podman's refusal of a filter key the command does not take.
    #[error("{0:?} is an invalid volume filter")]
    UnknownFilterKey(String),
    #[error("creating volume directory {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("removing volume directory {}: {source}", path.display())]
    RemoveDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
