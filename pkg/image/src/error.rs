//! Errors of the local image store.

use std::path::PathBuf;

/// Everything that can go wrong storing, finding or unpacking images.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Reference(#[from] crate::reference::ReferenceError),
    /// Podman: `<name>: image not known`.
    #[error("{0}: image not known")]
    NotKnown(String),
    /// Podman: a name given to `tag` may not pin a digest.
    #[error("{0}: tag by digest not supported")]
    TagByDigest(String),
    /// Podman: `<name>: tag not known` when untagging a name the image does not have.
    #[error("{0}: tag not known")]
    TagNotKnown(String),
    /// Podman refuses to delete by ID an image with several names unless forced.
    #[error("unable to delete image {id:?} by ID with more than one tag ([{}]): please force removal", names.join(" "))]
    MultipleTags { id: String, names: Vec<String> },
    #[error("image ID prefix {0:?} matches more than one image")]
    Ambiguous(String),
    /// Content that does not hash to the digest it was announced with; nothing is stored.
    #[error("digest mismatch for blob {expected}: content hashes to {actual}")]
    DigestMismatch { expected: String, actual: String },
    #[error("unsupported digest {0:?}: only sha256 is supported")]
    UnsupportedDigest(String),
    #[error("blob {0} is missing from the store")]
    MissingBlob(String),
    #[error("invalid image manifest: {0}")]
    BadManifest(String),
    /// An import whose input is not a (possibly gzipped) tar archive; nothing is stored.
    #[error("the tarball is not a tar archive: {0}")]
    NotATar(String),
    #[error("invalid image config: {0}")]
    BadConfig(String),
    /// A layer entry that would land outside the layer directory: a path or hard link target
    /// with `..`, a whiteout of `.` or `..`, a root entry that is no directory.
    #[error("layer {layer}: entry {entry:?} escapes the layer directory")]
    UnsafeEntry { layer: String, entry: String },
    /// A tar entry whose header makes no sense for a layer (unknown type, no link target…).
    #[error("layer {layer}: entry {entry:?}: {problem}")]
    MalformedEntry { layer: String, entry: String, problem: crate::layers::entry::EntryProblem },
    /// An entry the unpacker could not put in place; `step` says what it was doing.
    #[error("layer {layer}: entry {entry:?}: {step}: {source}")]
    EntryFailed {
        layer: String,
        entry: String,
        step: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// The tar stream of a layer is damaged or cut short.
    #[error("layer {layer}: reading the tar stream: {source}")]
    LayerTar {
        layer: String,
        #[source]
        source: std::io::Error,
    },
    /// A layer whose uncompressed content is not the `rootfs.diff_ids` entry the image config
    /// names: unpacked layers are shared by diff ID, so one image could otherwise replace
    /// another's files. containers/image refuses such images as well.
    #[error("layer {layer} unpacks to {actual}, but the image config names diff_id {expected}")]
    DiffIdMismatch { layer: String, expected: String, actual: String },
    /// A layer or tarball that expands beyond [`crate::layers::stream::DecompressionLimits`].
    #[error("{what} {exceeded}")]
    DecompressionLimit { what: String, exceeded: crate::layers::stream::Exceeded },
    #[error("image used by {container}: image is in use by a container: consider listing external containers and force-removing image")]
    InUse { container: String },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    StateDb(#[from] statedb::Error),
    #[error("image database: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("decoding stored image {id}: {source}")]
    Corrupt { id: String, source: serde_json::Error },
}

/// Result of image store operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Wraps an I/O error with the path it concerns.
pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.into();
    move |source| Error::Io { path, source }
}
