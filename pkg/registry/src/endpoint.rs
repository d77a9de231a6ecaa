//! rpod's own reads from a registry: manifests, digest checks and blobs, each one request with
//! a byte cap and an overall deadline ([`crate::bounded`]).
//!
//! Why not oci-client for these: its manifest pulls and its digest check's GET fallback read
//! the whole body into memory before anyone can look at its size, and its blob streams read an
//! error answer whole. Its `reqwest::Client` is private, and a second client per registry
//! would parse the system's CA bundle a second time, which was most of an
//! `auto-update --dry-run`'s time (docs/performance.md). So reads go through one
//! `reqwest::Client` per registry that rpod builds with the same TLS settings (certs.d roots,
//! no verification for insecure registries, plain HTTP once the HTTPS probe failed), and
//! authorize the way the distribution spec describes: a request answered `401` with a
//! `WWW-Authenticate: Bearer realm=…` challenge gets a token from that realm (with the
//! auth file's credentials as Basic auth, or anonymously), a `Basic` challenge gets the
//! credentials; the header that worked is kept per repository for the next requests (an
//! anonymous registry costs one request, where oci-client pinged `/v2/` first). oci-client
//! remains the client for pushes, which send rather than read (their error answers and
//! token requests are still read whole: a push goes to a registry the user names).
//!
//! Status codes and error bodies become oci-client's own error values, so
//! [`crate::Error::from_client`] classifies them exactly as before.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine;
use oci_client::errors::{OciDistributionError as OciError, OciEnvelope};
use oci_client::secrets::RegistryAuth;
use oci_client::Reference;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, WWW_AUTHENTICATE};
use reqwest::{Method, Response, StatusCode};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWrite;

use crate::bounded::{copy_capped, within, CapError, Deadlines, MAX_MANIFEST_BYTES, MAX_SMALL_BODY_BYTES};
use crate::error::{escape_control, Error};

/// What one attempt at a registry request failed with, before [`crate::Registry`] names it
/// for the user: a failure oci-client has a value for (the connection, an HTTP status: these
/// decide the plain-HTTP retry and are classified by [`Error::from_client`]), or one rpod
/// already named (a cap, a deadline, a digest mismatch).
#[derive(Debug)]
pub(crate) enum Failure {
    Client(OciError),
    Refused(Error),
}

impl From<OciError> for Failure {
    fn from(err: OciError) -> Failure {
        Failure::Client(err)
    }
}

impl From<Error> for Failure {
    fn from(err: Error) -> Failure {
        Failure::Refused(err)
    }
}

impl From<reqwest::Error> for Failure {
    fn from(err: reqwest::Error) -> Failure {
        Failure::Client(OciError::RequestError(err))
    }
}

/// What a request is about: the image named in errors, where it lives, and its credentials.
pub(crate) struct Request<'a> {
    pub image: &'a str,
    pub target: &'a Reference,
    pub auth: &'a RegistryAuth,
}

/// One registry as rpod reads from it.
pub(crate) struct Endpoint {
    http: reqwest::Client,
    scheme: &'static str,
    deadlines: Deadlines,
    /// The `Authorization` header that the registry last accepted, per repository.
    authorization: Mutex<HashMap<String, HeaderValue>>,
}

/// Why an [`Endpoint`] could not be made: its registry's CA certificates, or the client.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BuildError {
    #[error(transparent)]
    Tls(#[from] rustls::Error),
    #[error(transparent)]
    Client(#[from] reqwest::Error),
}

/// How an [`Endpoint`]'s connections are made.
pub(crate) struct EndpointConfig {
    pub insecure: bool,
    pub plain_http: bool,
    /// PEM roots trusted for this registry on top of the system's (certs.d).
    pub roots: Vec<Vec<u8>>,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    pub deadlines: Deadlines,
}

impl Endpoint {
    /// Certificates are verified (unless insecure) against roots read at the first
    /// handshake, not now (see `trust.rs`).
    pub fn build(config: EndpointConfig) -> Result<Endpoint, BuildError> {
        let builder = reqwest::Client::builder();
        let builder = if config.insecure {
            builder.danger_accept_invalid_certs(true)
        } else {
            builder.tls_backend_preconfigured(crate::trust::client_config(&config.roots)?)
        };
        let http = builder
            .connect_timeout(config.connect_timeout)
            .read_timeout(config.read_timeout)
            .user_agent(concat!("rpod/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let scheme = if config.plain_http { "http" } else { "https" };
        Ok(Endpoint { http, scheme, deadlines: config.deadlines, authorization: Mutex::new(HashMap::new()) })
    }

    /// The manifest (or index) `at` names, at most [`MAX_MANIFEST_BYTES`], and its digest,
    /// checked against the reference's digest and the registry's `Docker-Content-Digest`.
    pub async fn manifest(&self, at: &Request<'_>, accept: &str) -> Result<(Vec<u8>, String), Failure> {
        let url = self.manifest_url(at.target);
        self.within(self.deadlines.small(), at.image, async {
            let response = self.send(Method::GET, &url, accept, at).await?;
            let response = refuse_unless_ok(response, &url).await?;
            let announced = docker_content_digest(response.headers(), at.image)?;
            let too_large =
                |size| Error::ManifestTooLarge { image: at.image.to_string(), size, limit: MAX_MANIFEST_BYTES };
            if let Some(size) = response.content_length().filter(|&n| n > MAX_MANIFEST_BYTES) {
                return Err(too_large(Some(size)).into());
            }
            let mut body = Vec::new();
            copy_capped(response.bytes_stream(), MAX_MANIFEST_BYTES, &mut body).await.map_err(|err| match err {
                CapError::Over { .. } => too_large(None).into(),
                other => body_failure(other),
            })?;
            let digest = format!("sha256:{}", hex::encode(Sha256::digest(&body)));
            for expected in [at.target.digest(), announced.as_deref()].into_iter().flatten() {
                if expected.starts_with("sha256:") && expected != digest {
                    let reason = format!("the manifest hashes to {digest}, not {expected}");
                    return Err(Error::DigestMismatch { image: at.image.to_string(), reason }.into());
                }
            }
            Ok((body, digest))
        })
        .await
    }

    /// The digest the registry serves for `at`: its `Docker-Content-Digest` answer to a HEAD,
    /// or where it sends none, the hash of the manifest (a GET capped like [`Self::manifest`]).
    pub async fn manifest_digest(&self, at: &Request<'_>, accept: &str) -> Result<String, Failure> {
        let url = self.manifest_url(at.target);
        let announced = self
            .within(self.deadlines.small(), at.image, async {
                let response = self.send(Method::HEAD, &url, accept, at).await?;
                let response = refuse_unless_ok(response, &url).await?;
                docker_content_digest(response.headers(), at.image)
            })
            .await?;
        match announced {
            Some(digest) => {
                if let Some(expected) =
                    at.target.digest().filter(|d| d.starts_with("sha256:") && digest.starts_with("sha256:"))
                {
                    if expected != digest {
                        let reason = format!("the registry names {digest}, not {expected}");
                        return Err(Error::DigestMismatch { image: at.image.to_string(), reason }.into());
                    }
                }
                Ok(digest)
            }
            None => Ok(self.manifest(at, accept).await?.1),
        }
    }

    /// Streams blob `digest` of `size` bytes (as its descriptor declares) into `sink`: refused
    /// before reading when Content-Length says more, cut as soon as the body passes `size`,
    /// and a shorter body is an error too. The digest itself is checked where it is stored.
    pub async fn blob<W: AsyncWrite + Unpin>(
        &self,
        at: &Request<'_>,
        digest: &str,
        size: u64,
        sink: &mut W,
    ) -> Result<(), Failure> {
        let url =
            format!("{}://{}/v2/{}/blobs/{digest}", self.scheme, at.target.resolve_registry(), at.target.repository());
        self.within(self.deadlines.blob(size), at.image, async {
            let response = self.send(Method::GET, &url, "*/*", at).await?;
            let response = refuse_unless_ok(response, &url).await?;
            let too_long =
                || Error::BlobTooLong { image: at.image.to_string(), digest: digest.to_string(), declared: size };
            if response.content_length().is_some_and(|n| n > size) {
                return Err(too_long().into());
            }
            let received = copy_capped(response.bytes_stream(), size, sink).await.map_err(|err| match err {
                CapError::Over { .. } => too_long().into(),
                other => body_failure(other),
            })?;
            if received < size {
                return Err(Error::BlobTruncated {
                    image: at.image.to_string(),
                    digest: digest.to_string(),
                    received,
                    declared: size,
                }
                .into());
            }
            Ok(())
        })
        .await
    }

    /// Whether the registry takes `at.auth`, as `login` asks before saving them: a token
    /// service checks them when it issues a token (that token may grant nothing anywhere, so
    /// it is not tried on the registry), a Basic registry on its `/v2/` endpoint.
    pub async fn check_credentials(&self, at: &Request<'_>) -> Result<(), Failure> {
        let url = format!("{}://{}/v2/", self.scheme, at.target.resolve_registry());
        self.within(self.deadlines.small(), at.image, async {
            let response = self.request(Method::GET, &url, "application/json", None).await?;
            let challenge = response.headers().get(WWW_AUTHENTICATE).cloned();
            let (StatusCode::UNAUTHORIZED, Some(challenge)) = (response.status(), challenge) else {
                return refuse_unless_ok(response, &url).await.map(drop);
            };
            drop(response);
            match self.authorize(&challenge, at).await? {
                Some(token) if token.as_bytes().starts_with(b"Bearer ") => Ok(()),
                Some(basic) => {
                    refuse_unless_ok(self.request(Method::GET, &url, "application/json", Some(&basic)).await?, &url)
                        .await
                        .map(drop)
                }
                None => Err(OciError::UnauthorizedError { url: url.clone() }.into()),
            }
        })
        .await
    }

    fn manifest_url(&self, target: &Reference) -> String {
        let reference = target.digest().or(target.tag()).unwrap_or("latest");
        format!("{}://{}/v2/{}/manifests/{reference}", self.scheme, target.resolve_registry(), target.repository())
    }

    /// Runs one request under `deadline`, reporting the image when it runs out.
    async fn within<T>(
        &self,
        deadline: Duration,
        image: &str,
        request: impl std::future::Future<Output = Result<T, Failure>>,
    ) -> Result<T, Failure> {
        within(deadline, request)
            .await
            .unwrap_or_else(|| Err(Error::Deadline { image: image.to_string(), seconds: deadline.as_secs() }.into()))
    }

    /// Sends a request with the repository's last working authorization; a `401` with a
    /// challenge is answered (a token, or the credentials) and the request sent once more.
    async fn send(&self, method: Method, url: &str, accept: &str, at: &Request<'_>) -> Result<Response, Failure> {
        let repository = at.target.repository().to_string();
        let known = self.authorization.lock().ok().and_then(|known| known.get(&repository).cloned());
        let response = self.request(method.clone(), url, accept, known.as_ref()).await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        let Some(challenge) = response.headers().get(WWW_AUTHENTICATE).cloned() else { return Ok(response) };
        let Some(authorization) = self.authorize(&challenge, at).await? else { return Ok(response) };
        drop(response);
        let retried = self.request(method, url, accept, Some(&authorization)).await?;
        if retried.status() != StatusCode::UNAUTHORIZED {
            if let Ok(mut known) = self.authorization.lock() {
                known.insert(repository, authorization);
            }
        }
        Ok(retried)
    }

    async fn request(
        &self,
        method: Method,
        url: &str,
        accept: &str,
        authorization: Option<&HeaderValue>,
    ) -> Result<Response, reqwest::Error> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_str(accept).unwrap_or(HeaderValue::from_static("*/*")));
        if let Some(value) = authorization {
            headers.insert(AUTHORIZATION, value.clone());
        }
        self.http.request(method, url).headers(headers).send().await
    }

    /// The `Authorization` header that answers `challenge`, if rpod has one: a bearer token
    /// from the challenge's realm, or Basic credentials where the registry asks for them.
    async fn authorize(&self, challenge: &HeaderValue, at: &Request<'_>) -> Result<Option<HeaderValue>, Failure> {
        let Ok(text) = challenge.to_str() else { return Ok(None) };
        for parsed in http_auth::parser::ChallengeParser::new(text).flatten() {
            let param = |name: &str| {
                parsed.params.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.to_unescaped())
            };
            if parsed.scheme.eq_ignore_ascii_case("bearer") {
                let Some(realm) = param("realm") else { continue };
                return self.token(&realm, param("service"), at).await.map(Some);
            }
            if parsed.scheme.eq_ignore_ascii_case("basic") {
                if let RegistryAuth::Basic(user, password) = at.auth {
                    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
                    return Ok(Some(sensitive(&format!("Basic {encoded}"))?));
                }
            }
        }
        Ok(None)
    }

    /// A pull token for the target's repository from the token service at `realm`.
    async fn token(&self, realm: &str, service: Option<String>, at: &Request<'_>) -> Result<HeaderValue, Failure> {
        #[derive(serde::Deserialize)]
        struct TokenAnswer {
            token: Option<String>,
            access_token: Option<String>,
        }
        let mut url = reqwest::Url::parse(realm)
            .map_err(|e| OciError::AuthenticationFailure(format!("invalid token realm {realm:?}: {e}")))?;
        url.query_pairs_mut().append_pair("scope", &format!("repository:{}:pull", at.target.repository()));
        if let Some(service) = &service {
            url.query_pairs_mut().append_pair("service", service);
        }
        let mut request = self.http.get(url);
        if let RegistryAuth::Basic(user, password) = at.auth {
            request = request.basic_auth(user, Some(password));
        }
        let response = request.send().await?;
        let status = response.status();
        let mut body = Vec::new();
        match copy_capped(response.bytes_stream(), MAX_SMALL_BODY_BYTES, &mut body).await {
            Ok(_) => {}
            Err(CapError::Over { .. }) if !status.is_success() => {}
            Err(CapError::Over { .. }) => {
                return Err(OciError::RegistryTokenDecodeError("the token service's answer is too large".into()).into())
            }
            Err(other) => return Err(body_failure(other)),
        }
        if status != StatusCode::OK {
            return Err(OciError::AuthenticationFailure(format!(
                "token service answered {status}: {}",
                quoted_body(&body)
            ))
            .into());
        }
        let answer: TokenAnswer =
            serde_json::from_slice(&body).map_err(|e| OciError::RegistryTokenDecodeError(e.to_string()))?;
        let token = answer
            .token
            .or(answer.access_token)
            .ok_or_else(|| OciError::RegistryTokenDecodeError("no token in the answer".into()))?;
        sensitive(&format!("Bearer {token}"))
    }
}

/// A header value that logs never show.
fn sensitive(text: &str) -> Result<HeaderValue, Failure> {
    let mut value = HeaderValue::from_str(text)
        .map_err(|_| OciError::RegistryTokenDecodeError("the token is not a valid header value".into()))?;
    value.set_sensitive(true);
    Ok(value)
}

/// A `200` answer, or the failure it stands for, built as oci-client builds it, from at
/// most [`MAX_SMALL_BODY_BYTES`] of the error body.
async fn refuse_unless_ok(response: Response, url: &str) -> Result<Response, Failure> {
    let status = response.status();
    if status == StatusCode::OK {
        return Ok(response);
    }
    let mut body = Vec::new();
    match copy_capped(response.bytes_stream(), MAX_SMALL_BODY_BYTES, &mut body).await {
        Ok(_) | Err(CapError::Over { .. }) => {}
        Err(other) => return Err(body_failure(other)),
    }
    Err(status_failure(status, &body, url).into())
}

/// oci-client's reading of a status that is not `200` (its `validate_registry_response`).
fn status_failure(status: StatusCode, body: &[u8], url: &str) -> OciError {
    let url = url.to_string();
    let message = || quoted_body(body);
    match status {
        StatusCode::UNAUTHORIZED => OciError::UnauthorizedError { url },
        s if s.is_success() => OciError::SpecViolationError(format!("Expected HTTP Status 200 OK, got {s} instead")),
        s if s.is_client_error() => match serde_json::from_slice::<OciEnvelope>(body) {
            Ok(envelope) => OciError::RegistryError { envelope, url },
            Err(_) => OciError::ServerError { code: s.as_u16(), url, message: message() },
        },
        s => OciError::ServerError { code: s.as_u16(), url, message: message() },
    }
}

/// The start of an error body, enough to say what went wrong without flooding the terminal.
fn quoted_body(body: &[u8]) -> String {
    const QUOTED: usize = 1024;
    if body.len() <= QUOTED {
        return String::from_utf8_lossy(body).into_owned();
    }
    format!("{}… ({} more bytes)", String::from_utf8_lossy(&body[..QUOTED]), body.len() - QUOTED)
}

/// A failed body read or sink write (not the cap: callers name that themselves).
fn body_failure(err: CapError<reqwest::Error>) -> Failure {
    match err {
        CapError::Body(err) => err.into(),
        CapError::Write(err) => OciError::IoError(err).into(),
        CapError::Over { received } => {
            OciError::GenericError(Some(format!("{received} bytes is more than expected"))).into()
        }
    }
}

/// The registry's `Docker-Content-Digest`, if it sent a non-empty one; refused unless it
/// looks like a digest (it is printed and compared, so it must not carry anything else).
fn docker_content_digest(headers: &HeaderMap, image: &str) -> Result<Option<String>, Failure> {
    let Some(value) = headers.get("Docker-Content-Digest") else { return Ok(None) };
    let text = String::from_utf8_lossy(value.as_bytes());
    if text.is_empty() {
        return Ok(None);
    }
    let well_formed = text.split_once(':').is_some_and(|(algorithm, hex)| {
        !algorithm.is_empty()
            && algorithm.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+._-".contains(&b))
            && !hex.is_empty()
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
    });
    if !well_formed {
        let reason = format!("invalid Docker-Content-Digest header \"{}\"", escape_control(&text));
        return Err(Error::Registry { image: image.to_string(), reason }.into());
    }
    Ok(Some(text.into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_become_oci_client_errors() {
        let envelope = br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"nope"}]}"#;
        assert!(matches!(status_failure(StatusCode::NOT_FOUND, envelope, "u"), OciError::RegistryError { .. }));
        assert!(matches!(status_failure(StatusCode::UNAUTHORIZED, b"", "u"), OciError::UnauthorizedError { .. }));
        assert!(matches!(
            status_failure(StatusCode::TOO_MANY_REQUESTS, b"slow down", "u"),
            OciError::ServerError { code: 429, .. }
        ));
        assert!(matches!(status_failure(StatusCode::BAD_GATEWAY, b"x", "u"), OciError::ServerError { code: 502, .. }));
        assert!(matches!(status_failure(StatusCode::PARTIAL_CONTENT, b"", "u"), OciError::SpecViolationError(_)));
        let OciError::ServerError { message, .. } =
            status_failure(StatusCode::INTERNAL_SERVER_ERROR, &[b'e'; 5000], "u")
        else {
            panic!()
        };
        assert_eq!(message, format!("{}… (3976 more bytes)", "e".repeat(1024)));
    }

    #[test]
    fn digest_headers_must_look_like_digests() {
        let mut headers = HeaderMap::new();
        assert_eq!(docker_content_digest(&headers, "i").unwrap(), None);
        headers.insert("Docker-Content-Digest", HeaderValue::from_static(""));
        assert_eq!(docker_content_digest(&headers, "i").unwrap(), None);
        headers.insert("Docker-Content-Digest", HeaderValue::from_static("sha256:00ff"));
        assert_eq!(docker_content_digest(&headers, "i").unwrap().as_deref(), Some("sha256:00ff"));
        headers.insert("Docker-Content-Digest", HeaderValue::from_bytes("sha256:\u{9b}31m".as_bytes()).unwrap());
        let Err(Failure::Refused(err)) = docker_content_digest(&headers, "i") else { panic!("accepted") };
        assert!(!err.to_string().contains('\u{9b}') && err.to_string().contains("\\u{9b}"), "{err}");
    }
}
