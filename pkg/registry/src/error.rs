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
    /// A pull of a name without a registry (Podman's text when registries.conf has no
    /// unqualified-search registries, which rpod never uses).
    #[error("short-name {0:?} did not resolve to an alias and no unqualified-search registries are defined in registries.conf")]
    UnqualifiedShortName(String),
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
    /// A manifest larger than any real one (containers/image's limit): refused before it is
    /// read whole (`size` is what Content-Length announced, if it did).
    #[error("{image}: manifest{} exceeds the {limit}-byte limit", of_size(*size))]
    ManifestTooLarge { image: String, size: Option<u64>, limit: u64 },
    /// An image config larger than any real one: refused before it is read whole.
    #[error("{image}: config blob {digest}{} exceeds the {limit}-byte limit", of_size(*size))]
    ConfigTooLarge { image: String, digest: String, size: Option<u64>, limit: u64 },
    /// A blob body longer than its descriptor's `size`: cut as soon as it passes it.
    #[error("{image}: blob {digest} is longer than the {declared} bytes its descriptor declares")]
    BlobTooLong { image: String, digest: String, declared: u64 },
    /// A blob body that ended before its descriptor's `size`.
    #[error("{image}: blob {digest} ended after {received} of the {declared} bytes its descriptor declares")]
    BlobTruncated { image: String, digest: String, received: u64, declared: u64 },
    /// A request that kept going past its overall deadline (a registry trickling bytes).
    #[error("{image}: gave up after {seconds} s: the registry is too slow")]
    Deadline { image: String, seconds: u64 },
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

/// ` of N bytes`, or nothing when the size is unknown (the body was cut at the limit).
fn of_size(size: Option<u64>) -> String {
    size.map(|n| format!(" of {n} bytes")).unwrap_or_default()
}

/// Result of registry operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Classifies an oci-client error for `image`: the registry's own error codes first, then
    /// the HTTP status, then what the connection said.
    pub(crate) fn from_client(image: &str, err: oci_client::errors::OciDistributionError) -> Error {
        use oci_client::errors::{OciDistributionError as E, OciErrorCode as Code};
        let reason = escape_control(&reason_chain(&err));
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
            _ if reason.contains("401") || reason.to_lowercase().contains("unauthorized") => {
                Error::Unauthorized { image, reason }
            }
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

/// Text that came from a registry (error bodies, header values), made safe to print: control
/// characters (escape sequences that would recolour or rewrite the terminal, newlines that
/// would fake a second error line) and bidirectional overrides become `\u{…}` escapes.
pub fn escape_control(text: &str) -> String {
    let mut safe = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if c.is_control() || bidi {
            safe.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            safe.push(c);
        }
    }
    safe
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
    fn control_characters_from_a_registry_are_escaped() {
        let cases = [
            ("plain text: 404 (not found)", "plain text: 404 (not found)"),
            ("\x1b[31mred\x1b[0m", "\\u{1b}[31mred\\u{1b}[0m"),
            ("two\nlines\r", "two\\u{a}lines\\u{d}"),
            ("c1 \u{9b}2J", "c1 \\u{9b}2J"),
            ("bidi \u{202e}txt.exe", "bidi \\u{202e}txt.exe"),
            ("ünïcödé stays", "ünïcödé stays"),
        ];
        for (raw, want) in cases {
            assert_eq!(escape_control(raw), want);
        }
        let err = E::ServerError { code: 500, url: "u".into(), message: "\x1b]0;owned\x07\x1b[2J".into() };
        let text = Error::from_client("r/x:1", err).to_string();
        assert!(!text.chars().any(char::is_control), "{text:?}");
        assert!(text.contains("\\u{1b}]0;owned"), "{text}");
    }

    #[test]
    fn limit_errors_say_what_was_too_big() {
        let manifest = |size| Error::ManifestTooLarge { image: "r/x:1".into(), size, limit: 4194304 }.to_string();
        assert_eq!(manifest(Some(16777216)), "r/x:1: manifest of 16777216 bytes exceeds the 4194304-byte limit");
        assert_eq!(manifest(None), "r/x:1: manifest exceeds the 4194304-byte limit");
        let long = Error::BlobTooLong { image: "r/x:1".into(), digest: "sha256:ab".into(), declared: 4 };
        assert_eq!(long.to_string(), "r/x:1: blob sha256:ab is longer than the 4 bytes its descriptor declares");
        let slow = Error::Deadline { image: "r/x:1".into(), seconds: 300 };
        assert_eq!(slow.to_string(), "r/x:1: gave up after 300 s: the registry is too slow");
    }

    #[test]
    fn tls_reason_drops_the_request_plumbing() {
        let raw = "error sending request for url (https://h/v2/): client error (Connect): invalid peer certificate: UnknownIssuer";
        assert_eq!(tls_reason(raw), "invalid peer certificate: UnknownIssuer");
    }
}
