//! The local image store: verified blobs plus image records in a SQLite database of its own
//! (`<root>/storage/images.db`), kept apart from libpod's container database as Podman keeps
//! c/storage apart from its state.
//!
//! An image becomes visible only when [`Store::commit_image`] records it, and that happens in one
//! transaction after every blob it needs is present: a pull killed at any point leaves no image.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use crate::blobs::{hex_of, Blobs};
use crate::error::{io, Error, Result};
use crate::gc::WriterLock;
use crate::manifest::{ImageConfigBlob, Manifest, Platform};
use crate::raw_name::RawImageName;
use crate::reference::ImageReference;

/// Forward schema migrations (entry `n` goes from version `n` to `n + 1`).
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE Images (ID TEXT PRIMARY KEY NOT NULL, JSON TEXT NOT NULL);
     CREATE TABLE Names (
         Name    TEXT PRIMARY KEY NOT NULL,
         ImageID TEXT NOT NULL REFERENCES Images (ID) ON DELETE CASCADE
     );",
    // The image a name pointed at before its last successful auto-update (see `previous.rs`).
    "CREATE TABLE Previous (
         Name    TEXT PRIMARY KEY NOT NULL,
         ImageID TEXT NOT NULL REFERENCES Images (ID) ON DELETE CASCADE
     );",
];

/// What a container needs from an image: Podman's `ImageConfig` subset.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ImageConfig {
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub env: Vec<String>,
    pub working_dir: String,
    pub user: String,
    pub stop_signal: String,
    pub labels: std::collections::BTreeMap<String, String>,
    /// `VOLUME` destinations (the config's `Volumes` keys, sorted): each container of the image
    /// gets an anonymous volume there unless one of its mounts covers it (Podman's rule).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<String>,
    /// `EXPOSE`d ports (the config's `ExposedPorts` keys, `80/tcp`), which `run -P` publishes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exposed_ports: Vec<String>,
    /// The config's `Healthcheck`, kept by containers made without `--health-cmd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<health::HealthConfig>,
}

/// One layer of an image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layer {
    /// Digest of the (possibly compressed) blob.
    pub digest: String,
    /// Digest of the uncompressed tar (`rootfs.diff_ids`), which names the unpacked layer.
    pub diff_id: String,
    pub media_type: String,
    pub size: u64,
}

/// A stored image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageRecord {
    /// Hex of the config digest (64 characters).
    pub id: String,
    /// Normalized `registry/repo:tag` names; empty for a dangling image.
    #[serde(skip)]
    pub names: Vec<String>,
    /// Every manifest digest this image is known by: its platform manifest's, and the digest of
    /// the list/index it was pulled through. Auto-update is up to date when the registry's digest
    /// is any of them.
    pub digests: Vec<String>,
    /// Digest of the platform manifest.
    pub manifest_digest: String,
    pub platform: Platform,
    /// Compressed size of config and layers.
    pub size: u64,
    pub created: DateTime<Utc>,
    pub config: ImageConfig,
    pub layers: Vec<Layer>,
}

impl ImageRecord {
    /// `(repository, tag)` of each name, as `images` lists them: `<none>` for the tag of a name
    /// a pull by digest gave (`repo@sha256:…`).
    pub fn repo_tags(&self) -> Vec<(String, String)> {
        self.names
            .iter()
            .map(|name| match name.split_once('@') {
                Some((repository, _)) => (repository.to_string(), "<none>".to_string()),
                None => name
                    .rsplit_once(':')
                    .map_or((name.clone(), "<none>".into()), |(r, t)| (r.to_string(), t.to_string())),
            })
            .collect()
    }

    /// Podman's `RepoTags`: the names that carry a tag.
    pub fn tagged_names(&self) -> Vec<String> {
        self.names.iter().filter(|n| !n.contains('@')).cloned().collect()
    }

    /// Podman's `RepoDigests`: `repository@digest` for each repository the image is named in
    /// and each manifest digest it is known by, without repeats.
    pub fn repo_digests(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for name in &self.names {
            for digest in &self.digests {
                let entry = format!("{}@{digest}", repository_of(name));
                if !out.contains(&entry) {
                    out.push(entry);
                }
            }
        }
        out
    }
}

/// What a pull or an import hands the store to record an image.
#[derive(Debug, Clone, Default)]
pub struct NewImage {
    /// The platform manifest's bytes exactly as received (their digest is kept).
    pub manifest: Vec<u8>,
    /// Digest of the list/index the manifest was chosen from, if any.
    pub list_digest: Option<String>,
    /// Names to give the image (moved away from any image that holds them).
    pub names: Vec<String>,
}

/// The image store under `<root>/storage`.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    dir: PathBuf,
    blobs: Blobs,
    writer: WriterLock,
}

impl Store {
    /// Opens (creating and migrating when needed) the image store of `root`. `root`, the
    /// store and its blob and layer directories are private (`0700`, also when an older rpod
    /// made them `0755`): unpacked layers may hold setuid binaries that no other local user
    /// may run. Inside a layer, files keep the modes the image gives them.
    pub fn open(root: &Path) -> Result<Store> {
        let dir = root.join("storage");
        let blob_dir = dir.join("blobs").join("sha256");
        for private in [root, &dir, &dir.join("layers"), &dir.join("blobs"), &blob_dir] {
            privatefs::ensure_dir(private).map_err(io(private))?;
        }
        let conn = statedb::open(&dir.join("images.db"), MIGRATIONS)?;
        let blobs = Blobs::new(blob_dir);
        let writer = WriterLock::new(dir.join("gc.lock"));
        Ok(Store { conn, dir, blobs, writer })
    }

    /// The verified blob directory.
    pub fn blobs(&self) -> &Blobs {
        &self.blobs
    }

    /// Directory for unpacked layers.
    pub fn layers_dir(&self) -> PathBuf {
        self.dir.join("layers")
    }

    /// Streams a blob in, verifying it against `expected` (see [`Blobs::put`]). From here on the
    /// store holds off other processes' prunes until it is dropped (see [`crate::gc`]).
    pub fn put_blob(&self, expected: &str, reader: impl std::io::Read) -> Result<PathBuf> {
        self.writer.hold()?;
        self.blobs.put(expected, reader)
    }

    /// The share of the collector lock that writers hold.
    pub(crate) fn writer_lock(&self) -> &WriterLock {
        &self.writer
    }

    /// Records an image whose config and layer blobs are all present; returns it with names.
    pub fn commit_image(&self, new: &NewImage) -> Result<ImageRecord> {
        self.writer.hold()?;
        let manifest = Manifest::parse(&new.manifest)?;
        let manifest_digest = self.blobs.put_bytes(&new.manifest)?;
        let config_bytes = self.blobs.read(&manifest.config.digest)?;
        let config = ImageConfigBlob::parse(&config_bytes)?;
        if config.rootfs.diff_ids.len() != manifest.layers.len() {
            return Err(Error::BadManifest(format!(
                "{} layers but {} diff IDs in the config",
                manifest.layers.len(),
                config.rootfs.diff_ids.len()
            )));
        }
        for layer in &manifest.layers {
            if !self.blobs.contains(&layer.digest) {
                return Err(Error::MissingBlob(layer.digest.clone()));
            }
        }
        let id = hex_of(&manifest.config.digest)?.to_string();
        let defaults = config.config.clone().unwrap_or_default();
        let mut record = ImageRecord {
            id: id.clone(),
            names: Vec::new(),
            digests: std::iter::once(manifest_digest.clone()).chain(new.list_digest.clone()).collect(),
            manifest_digest,
            platform: Platform { architecture: config.architecture, os: config.os, variant: config.variant },
            size: manifest.config.size + manifest.layers.iter().map(|l| l.size).sum::<u64>(),
            created: config.created.unwrap_or_else(Utc::now),
            config: ImageConfig {
                entrypoint: defaults.entrypoint.unwrap_or_default(),
                cmd: defaults.cmd.unwrap_or_default(),
                env: defaults.env.unwrap_or_default(),
                working_dir: defaults.working_dir.unwrap_or_default(),
                user: defaults.user.unwrap_or_default(),
                stop_signal: defaults.stop_signal.unwrap_or_default(),
                labels: defaults.labels.unwrap_or_default(),
                volumes: defaults.volumes.unwrap_or_default().into_keys().collect(),
                exposed_ports: defaults.exposed_ports.unwrap_or_default().into_keys().collect(),
                healthcheck: defaults.healthcheck,
            },
            layers: manifest
                .layers
                .iter()
                .zip(&config.rootfs.diff_ids)
                .map(|(l, diff_id)| Layer {
                    digest: l.digest.clone(),
                    diff_id: diff_id.clone(),
                    media_type: l.media_type.clone(),
                    size: l.size,
                })
                .collect(),
        };
        let names = new.names.iter().map(|n| normalize(n)).collect::<Result<Vec<_>>>()?;
        let tx = self.write_transaction()?;
        if let Some(existing) = select_record(&tx, &id)? {
            for digest in existing.digests {
                if !record.digests.contains(&digest) {
                    record.digests.push(digest);
                }
            }
        }
        // An upsert, not INSERT OR REPLACE: replacing the row would cascade to the image's other names.
        tx.execute(
            "INSERT INTO Images (ID, JSON) VALUES (?1, ?2) ON CONFLICT (ID) DO UPDATE SET JSON = excluded.JSON",
            params![id, to_json(&record)?],
        )?;
        for name in &names {
            tx.execute("INSERT OR REPLACE INTO Names (Name, ImageID) VALUES (?1, ?2)", params![name, id])?;
        }
        tx.commit()?;
        self.get(&id)
    }

    /// Finds an image by name (normalized, or `repo@digest`), full ID, `sha256:` ID or unique
    /// ID prefix.
    pub fn lookup(&self, name_or_id: &str) -> Result<Option<ImageRecord>> {
        self.find(&RawImageName::parse(name_or_id))
    }

    /// [`Store::lookup`] for an argument already parsed.
    pub fn find(&self, raw: &RawImageName) -> Result<Option<ImageRecord>> {
        if let Some((_, record)) = self.find_name(raw)? {
            return Ok(Some(record));
        }
        let name_or_id = raw.as_str();
        let prefix = name_or_id.strip_prefix("sha256:").unwrap_or(name_or_id);
        if prefix.len() < 3 || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let mut stmt = self.conn.prepare("SELECT ID FROM Images WHERE substr(ID, 1, length(?1)) = ?1 LIMIT 2")?;
        let ids =
            stmt.query_map([prefix.to_ascii_lowercase()], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
        match ids.as_slice() {
            [] => Ok(None),
            [id] => self.get(id).map(Some),
            _ => Err(Error::Ambiguous(name_or_id.to_string())),
        }
    }

    /// Finds an image by name only, with the stored name that matched (`rmi` untags that one).
    /// Like Podman's libimage, a short name tries `localhost/NAME`, then Docker Hub's form, then
    /// any stored name whose repository ends in `/NAME` with the same tag.
    pub fn lookup_name(&self, name: &str) -> Result<Option<(String, ImageRecord)>> {
        self.find_name(&RawImageName::parse(name))
    }

    /// [`Store::lookup_name`] for an argument already parsed.
    pub fn find_name(&self, raw: &RawImageName) -> Result<Option<(String, ImageRecord)>> {
        let Ok(reference) = raw.reference() else { return Ok(None) };
        let typed = raw.name();
        let local = if raw.is_short_name() { ImageReference::parse(&format!("localhost/{typed}")).ok() } else { None };
        if let Some(digest) = &reference.digest {
            let repositories: Vec<String> =
                std::iter::once(reference).chain(&local).map(ImageReference::repository).collect();
            let typed_path = local.as_ref().map(|l| format!("/{}", l.path));
            return Ok(self
                .list()?
                .into_iter()
                .find(|image| {
                    image.digests.contains(digest)
                        && image.names.iter().map(|n| repository_of(n)).any(|repository| {
                            repositories.iter().any(|r| r == repository)
                                || typed_path.as_ref().is_some_and(|p| repository.ends_with(p.as_str()))
                        })
                })
                .map(|image| (reference.to_string(), image)));
        }
        for candidate in local.iter().chain(std::iter::once(reference)) {
            let candidate = candidate.to_string();
            let id: Option<String> = self
                .conn
                .query_row("SELECT ImageID FROM Names WHERE Name = ?1", [&candidate], |r| r.get(0))
                .optional()?;
            if let Some(id) = id {
                return Ok(Some((candidate, self.get(&id)?)));
            }
        }
        let Some(local) = local else { return Ok(None) };
        let suffix = format!("/{}:{}", local.path, local.tag_or_default().unwrap_or_default());
        Ok(self
            .list()?
            .into_iter()
            .find_map(|image| image.names.iter().find(|n| n.ends_with(&suffix)).cloned().map(|n| (n, image))))
    }

    /// The image with exactly this ID.
    pub fn get(&self, id: &str) -> Result<ImageRecord> {
        let mut record = select_record(&self.conn, id)?.ok_or_else(|| Error::NotKnown(id.to_string()))?;
        record.names = self.names_of(id)?;
        Ok(record)
    }

    /// Every image, newest first.
    pub fn list(&self) -> Result<Vec<ImageRecord>> {
        let mut stmt = self.conn.prepare("SELECT ID, JSON FROM Images")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        let mut images = Vec::with_capacity(rows.len());
        for (id, json) in rows {
            let mut record: ImageRecord =
                serde_json::from_str(&json).map_err(|source| Error::Corrupt { id: id.clone(), source })?;
            record.names = self.names_of(&id)?;
            images.push(record);
        }
        images.sort_by(|a, b| b.created.cmp(&a.created).then(a.id.cmp(&b.id)));
        Ok(images)
    }

    /// Gives `name` to the image `id`, taking it from any other image. A name with a digest is
    /// refused as by Podman (only a pull by digest records one).
    pub fn tag(&self, id: &str, name: &str) -> Result<()> {
        let name = normalize_tag(name)?;
        let tx = self.write_transaction()?;
        if select_record(&tx, id)?.is_none() {
            return Err(Error::NotKnown(id.to_string()));
        }
        tx.execute("INSERT OR REPLACE INTO Names (Name, ImageID) VALUES (?1, ?2)", params![name, id])?;
        tx.commit()?;
        Ok(())
    }

    /// Removes `name` from whatever image holds it.
    pub fn untag(&self, name: &str) -> Result<()> {
        let normalized = normalize(name)?;
        let tx = self.write_transaction()?;
        let removed = tx.execute("DELETE FROM Names WHERE Name = ?1", [&normalized])?;
        tx.commit()?;
        if removed == 0 {
            return Err(Error::TagNotKnown(normalized));
        }
        Ok(())
    }

    /// Deletes an image record and its names (blobs are left for [`Store::prune_blobs`]).
    pub fn remove(&self, id: &str) -> Result<()> {
        let tx = self.write_transaction()?;
        let removed = tx.execute("DELETE FROM Images WHERE ID = ?1", [id])?;
        tx.commit()?;
        if removed == 0 {
            return Err(Error::NotKnown(id.to_string()));
        }
        Ok(())
    }

    /// An anonymous file inside the storage directory to stage a download in before
    /// [`Store::put_blob`] verifies it: it has no name (nothing is left behind by a failed or
    /// killed pull), lives on the store's filesystem and under its permissions rather than in
    /// a shared `$TMPDIR`, and is gone when closed.
    pub fn staging_file(&self) -> Result<std::fs::File> {
        tempfile::tempfile_in(&self.dir).map_err(io(&self.dir))
    }

    fn names_of(&self, id: &str) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("SELECT Name FROM Names WHERE ImageID = ?1 ORDER BY Name")?;
        let names = stmt.query_map([id], |r| r.get(0))?.collect::<Result<Vec<_>, _>>()?;
        Ok(names)
    }

    pub(crate) fn write_transaction(&self) -> Result<Transaction<'_>> {
        Ok(statedb::write_transaction(&self.conn)?)
    }

    pub(crate) fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// The stored form of a name a user gives an image (tag, untag, import): normalized, with the
/// default tag; a short name lands under `localhost/` as Podman's libimage names it, so that
/// `tag IMG app` never claims a Docker Hub name.
pub fn normalize(name: &str) -> Result<String> {
    let raw = RawImageName::parse(name);
    let reference = raw.reference()?;
    let typed = raw.name();
    if raw.is_short_name() {
        return Ok(ImageReference::parse(&format!("localhost/{typed}"))?.to_string());
    }
    Ok(reference.to_string())
}

/// The repository of a stored name: `repo:tag`, or `repo@digest` for a pull by digest.
fn repository_of(name: &str) -> &str {
    match name.split_once('@') {
        Some((repository, _)) => repository,
        None => name.rsplit_once(':').map_or(name, |(repository, _)| repository),
    }
}

/// [`normalize`] for a name given to `tag`, refusing digests.
pub fn normalize_tag(name: &str) -> Result<String> {
    let normalized = normalize(name)?;
    if normalized.contains('@') {
        return Err(Error::TagByDigest(name.to_string()));
    }
    Ok(normalized)
}

pub(crate) fn select_record(conn: &Connection, id: &str) -> Result<Option<ImageRecord>> {
    let json: Option<String> =
        conn.query_row("SELECT JSON FROM Images WHERE ID = ?1", [id], |r| r.get(0)).optional()?;
    json.map(|j| serde_json::from_str(&j).map_err(|source| Error::Corrupt { id: id.to_string(), source })).transpose()
}

fn to_json(record: &ImageRecord) -> Result<String> {
    serde_json::to_string(record).map_err(|source| Error::Corrupt { id: record.id.clone(), source })
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn the_store_is_private_and_what_an_older_rpod_left_open_is_closed() {
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        let storage = root.join("storage");
        let private = [
            (root.clone(), 0o700),
            (storage.clone(), 0o700),
            (storage.join("layers"), 0o700),
            (storage.join("blobs"), 0o700),
            (storage.join("blobs/sha256"), 0o700),
            (storage.join("images.db"), 0o600),
        ];
        drop(Store::open(&root).unwrap());
        for (path, want) in &private {
            assert_eq!(mode(path), *want, "{} when created", path.display());
            let old = if path.is_dir() { 0o755 } else { 0o644 };
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(old)).unwrap();
        }
        drop(Store::open(&root).unwrap());
        for (path, want) in &private {
            assert_eq!(mode(path), *want, "{} when reopened", path.display());
        }
    }
}
