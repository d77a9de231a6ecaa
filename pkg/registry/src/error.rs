//! Errors of registry access. Texts name the registry and image; none ever contains a
//! credential (the client is given them only through `RegistryAuth`, never formatted).

use std::path::PathBuf;

/// Everything that can go wrong talking to a registry.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Reference(#[from] image::ReferenceError),
    #[error("short name {0:?}: a registry must be named (e.g. quay.io/{0})")]
    ShortName(String),
    #[error("registry {0} is blocked in registries.conf")]
    Blocked(String),
    #[error("reading {}: {reason}", path.display())]
    Config { path: PathBuf, reason: String },
    #[error("credential file is not accessible: {}: {reason}", path.display())]
    AuthFile { path: PathBuf, reason: String },
    /// The registry refused our credentials (or wants some).
    #[error("{image}: authentication required: {reason}")]
    Unauthorized { image: String, reason: String },
    #[error("{image}: manifest unknown: the registry has no such tag or digest")]
    NotFound { image: String },
    #[error("{image}: no image for platform {platform} in the manifest list")]
    NoPlatform { image: String, platform: String },
    /// Any other failure of the registry or the connection to it.
    #[error("{image}: {reason}")]
    Registry { image: String, reason: String },
    #[error("{image}: the registry did not answer within {seconds}s")]
    Timeout { image: String, seconds: u64 },
    #[error(transparent)]
    Store(#[from] image::Error),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

/// Result of registry operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Classifies an oci-client error for `image`.
    pub(crate) fn from_client(image: &str, err: oci_client::errors::OciDistributionError) -> Error {
        use oci_client::errors::OciDistributionError as E;
        let mut reason = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            reason.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        match err {
            E::AuthenticationFailure(_) | E::UnauthorizedError { .. } => Error::Unauthorized { image: image.to_string(), reason },
            E::ImageManifestNotFoundError(_) => Error::NotFound { image: image.to_string() },
            E::ServerError { code: 404, .. } => Error::NotFound { image: image.to_string() },
            E::ServerError { code: 401, .. } => Error::Unauthorized { image: image.to_string(), reason },
            _ if reason.contains("manifest unknown") || reason.contains("MANIFEST_UNKNOWN") || reason.contains("name unknown") || reason.contains("not known to registry") => {
                Error::NotFound { image: image.to_string() }
            }
            _ if reason.contains("401") || reason.to_lowercase().contains("unauthorized") => {
                Error::Unauthorized { image: image.to_string(), reason }
            }
            _ => Error::Registry { image: image.to_string(), reason },
        }
    }
}
