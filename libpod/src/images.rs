//! Image operations that must consult the containers: removal refuses an image a container uses.

use crate::error::{Error, Result};
use crate::store::Store;

/// What `rmi` did for one argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removal {
    /// Only this name went away; the image keeps its other names.
    Untagged(String),
    /// The image went away, with the names it still had.
    Deleted { id: String, untagged: Vec<String> },
}

/// Removes `name_or_id`: a name of an image that has others is untagged; otherwise the image is
/// deleted, unless a container uses it (then `force` removes those containers first).
pub fn remove_image(store: &Store, images: &image::Store, name_or_id: &str, force: bool) -> Result<Removal> {
    let record = images.lookup(name_or_id)?.ok_or_else(|| image::Error::NotKnown(name_or_id.to_string()))?;
    let by_name = image::ImageReference::parse(name_or_id).ok().map(|r| r.to_string()).filter(|n| record.names.contains(n));
    if let Some(name) = by_name {
        if record.names.len() > 1 {
            images.untag(&name)?;
            return Ok(Removal::Untagged(name));
        }
    }
    for container_id in store.containers_using_image(&record.id)? {
        if !force {
            return Err(Error::Image(image::Error::InUse { container: container_id }));
        }
        let container = store.lookup(&container_id)?;
        crate::lifecycle::remove_container(store, &container, true, None)?;
    }
    images.remove(&record.id)?;
    Ok(Removal::Deleted { id: record.id, untagged: record.names })
}
