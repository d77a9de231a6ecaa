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

/// Removes `name_or_id` as Podman's `rmi` does: a name of an image that has others is only
/// untagged; an ID of an image with several names is refused unless `force`; otherwise the image
/// is deleted (see [`delete_image`]).
pub fn remove_image(store: &Store, images: &image::Store, name_or_id: &str, force: bool) -> Result<Removal> {
    let (matched, record) = match images.lookup_name(name_or_id)? {
        Some((name, record)) => (Some(name), record),
        None => (None, images.lookup(name_or_id)?.ok_or_else(|| image::Error::NotKnown(name_or_id.to_string()))?),
    };
    match matched.filter(|name| record.names.contains(name)) {
        Some(name) if record.names.len() > 1 => {
            images.untag(&name)?;
            return Ok(Removal::Untagged(name));
        }
        None if record.names.len() > 1 && !force => {
            return Err(Error::Image(image::Error::MultipleTags { id: record.id, names: record.names }));
        }
        _ => {}
    }
    delete_image(store, images, record, force)
}

/// Deletes an image with all its names, unless a container uses it (then `force` removes those
/// containers first). `rmi -a` deletes this way: the images it lists were named by no one.
pub fn delete_image(store: &Store, images: &image::Store, record: image::ImageRecord, force: bool) -> Result<Removal> {
    for container_id in store.containers_using_image(&record.id)? {
        if !force {
            return Err(Error::Image(image::Error::InUse { container: container_id }));
        }
        let container = store.lookup(&container_id)?;
        crate::container::Runtime::on_host(store, None).remove(&container, true, None)?;
    }
    images.remove(&record.id)?;
    Ok(Removal::Deleted { id: record.id, untagged: record.names })
}
