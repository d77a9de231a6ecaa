//! The image a name pointed at before its last successful auto-update.
//!
//! An update leaves the old image without a name, and `image prune` (which the shipped
//! auto-update service runs after every update) deletes dangling images; yet the old image is
//! what a rollback by hand needs. So the store remembers one previous image per name, and
//! prune keeps every image remembered so: until the name's next successful update replaces
//! it, or the image is removed explicitly (`rmi`), which forgets it.

use rusqlite::{params, OptionalExtension};

use crate::error::{Error, Result};
use crate::store::{normalize, select_record, ImageRecord, Store};

impl Store {
    /// Remembers image `id` as what `name` pointed at before its update, replacing (and so
    /// releasing to prune) the one remembered before.
    pub fn set_previous(&self, name: &str, id: &str) -> Result<()> {
        let name = normalize(name)?;
        let tx = self.write_transaction()?;
        if select_record(&tx, id)?.is_none() {
            return Err(Error::NotKnown(id.to_string()));
        }
        tx.execute("INSERT OR REPLACE INTO Previous (Name, ImageID) VALUES (?1, ?2)", params![name, id])?;
        tx.commit()?;
        Ok(())
    }

    /// The image remembered as `name`'s previous one, if it still exists.
    pub fn previous(&self, name: &str) -> Result<Option<ImageRecord>> {
        let name = normalize(name)?;
        let id: Option<String> = self
            .connection()
            .query_row("SELECT ImageID FROM Previous WHERE Name = ?1", [&name], |r| r.get(0))
            .optional()?;
        match id {
            Some(id) => self.lookup(&id),
            None => Ok(None),
        }
    }

    /// Whether image `id` is some name's previous image, which prune must keep.
    pub fn is_previous(&self, id: &str) -> Result<bool> {
        let found: Option<i64> =
            self.connection().query_row("SELECT 1 FROM Previous WHERE ImageID = ?1", [id], |r| r.get(0)).optional()?;
        Ok(found.is_some())
    }
}

#[cfg(test)]
mod tests {
    use crate::import::tests::rootfs_tar;
    use crate::Store;

    /// An image of one file with `contents`, named `name`; its ID.
    fn image(store: &Store, name: &str, contents: &str) -> String {
        store.import(&rootfs_tar(contents)[..], Some(name), &[]).unwrap().id
    }

    #[test]
    fn remembered_until_replaced_or_removed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let old = image(&store, "q.io/a:1", "old");
        let new = image(&store, "q.io/a:1", "new");
        assert_eq!(store.previous("q.io/a:1").unwrap(), None);
        store.set_previous("q.io/a:1", &old).unwrap();
        assert_eq!(store.previous("q.io/a:1").unwrap().map(|r| r.id), Some(old.clone()));
        assert!(store.is_previous(&old).unwrap() && !store.is_previous(&new).unwrap());
        store.set_previous("q.io/a:1", &new).unwrap();
        assert!(!store.is_previous(&old).unwrap(), "the next update releases it");
        store.remove(&new).unwrap();
        assert_eq!(store.previous("q.io/a:1").unwrap(), None, "removing the image forgets it");
        assert!(store.set_previous("q.io/a:1", "0".repeat(64).as_str()).is_err());
    }
}
