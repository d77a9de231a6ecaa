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
    /// A manifest larger than any real one (containers/image's limit): refused, not parsed.
    #[error("{image}: the registry sent a manifest of {size} bytes, over the {limit} byte limit")]
    ManifestTooLarge { image: String, size: usize, limit: usize },
    /// Any other failure of the registry or the connection to it.
    #[error("{image}: {reason}")]
    Registry { image: String, reason: String },
    /// A `*.crt` file of certs.d or `--cert-dir` is not a usable certificate.
    #[error("registry {registry}: invalid CA certificate in certs.d or --cert-dir: {reason}")]
    Certificates { registry: String, reason: String },
    /// The registry's certificate is not trusted (self-signed, wrong host, unknown CA).
    #[error("{image}: TLS certificate of the registry not trusted: {reason} (use --tls-verify=false, or insecure = true in registries.conf, only for a registry you trust)")]
    Tls { image: String, reason: String },
    /// A blob or manifest did not hash to the digest that names it: nothing was stored.
    #[error("{image}: digest mismatch: {reason}")]
    DigestMismatch { image: String, reason: String },
    #[error("{image}: the registry did not answer (connecting is limited to {connect_seconds}s, each read to {read_seconds}s)")]
    Timeout { image: String, connect_seconds: u64, read_seconds: u64 },
    #[error(transparent)]
    Store(#[from] image::Error),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

/// Result of registry operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Classifies an oci-client error for `image`: the registry's own error codes first, then
    /// the HTTP status, then what the connection said.
    pub(crate) fn from_client(image: &str, err: oci_client::errors::OciDistributionError) -> Error {
        use oci_client::errors::{OciDistributionError as E, OciErrorCode as Code};
        let reason = reason_chain(&err);
        let image = image.to_string();
        let has_code = |codes: &[Code]| match &err {
            E::RegistryError { envelope, .. } => envelope.errors.iter().any(|e| codes.contains(&e.code)),
            _ => false,
        };
        if has_code(&[Code::Unauthorized, Code::Denied]) {
            return Error::Unauthorized { image, reason };
        }
        if has_code(&[Code::ManifestUnknown, Code::NameUnknown]) {
            return Error::NotFound { image };
        }
        match err {
            E::AuthenticationFailure(_) | E::UnauthorizedError { .. } | E::ServerError { code: 401 | 403, .. } => {
                Error::Unauthorized { image, reason }
            }
            E::ImageManifestNotFoundError(_) | E::ServerError { code: 404, .. } => Error::NotFound { image },
            E::DigestError(_) => Error::DigestMismatch { image, reason },
            _ if reason.contains("invalid peer certificate") || reason.contains("certificate verify") => {
                Error::Tls { image, reason: tls_reason(&reason) }
            }
            _ if reason.contains("401") || reason.to_lowercase().contains("unauthorized") => Error::Unauthorized { image, reason },
            _ => Error::Registry { image, reason },
        }
    }
}

/// The error and its causes, each cause only once (oci-client's messages often repeat their
/// source's text).
fn reason_chain(err: &dyn std::error::Error) -> String {
    let mut reason = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !reason.contains(&text) {
            reason.push_str(&format!(": {text}"));
        }
        source = cause.source();
    }
    reason
}

/// The certificate complaint without the request plumbing around it.
fn tls_reason(reason: &str) -> String {
    reason.find("invalid peer certificate").map_or(reason, |at| &reason[at..]).to_string()
}

#[cfg(test)]
mod tests {
    use oci_client::errors::{OciDistributionError as E, OciEnvelope, OciError, OciErrorCode};

    use super::*;

    fn envelope(code: OciErrorCode) -> E {
        let error = OciError { code, message: "m".into(), detail: serde_json::Value::Null };
        E::RegistryError { envelope: OciEnvelope { errors: vec![error] }, url: "http://r/v2/x".into() }
    }

    #[test]
    fn classifies_registry_answers() {
        let cases: Vec<(E, &str)> = vec![
            (envelope(OciErrorCode::Unauthorized), "authentication required"),
            (envelope(OciErrorCode::Denied), "authentication required"),
            (envelope(OciErrorCode::NameUnknown), "manifest unknown"),
            (envelope(OciErrorCode::ManifestUnknown), "manifest unknown"),
            (E::ServerError { code: 401, url: "u".into(), message: "m".into() }, "authentication required"),
            (E::ServerError { code: 404, url: "u".into(), message: "m".into() }, "manifest unknown"),
            (E::ServerError { code: 500, url: "u".into(), message: "boom".into() }, "boom"),
        ];
        for (err, want) in cases {
            let text = Error::from_client("r/x:1", err).to_string();
            assert!(text.starts_with("r/x:1: ") && text.contains(want), "{text} lacks {want}");
        }
    }

    #[test]
    fn tls_reason_drops_the_request_plumbing() {
        let raw = "error sending request for url (https://h/v2/): client error (Connect): invalid peer certificate: UnknownIssuer";
        assert_eq!(tls_reason(raw), "invalid peer certificate: UnknownIssuer");
    }
}