//! The registry client: manifest digest checks, pulls into the local store, pushes from it.
//! rpod adds to oci-client what it lacks: auth files, registries.conf, a refusal of short
//! names (oci-client would expand them silently), insecure registries over plain HTTP, and
//! reads that a hostile registry cannot make unbounded. Everything read from a registry
//! (manifests, digest checks, config and layer blobs) goes through [`Endpoint`], which caps
//! each body and gives each request a deadline (see `endpoint.rs` for why it is not
//! oci-client); logins check credentials through it too; pushes still use oci-client.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use image::manifest::{Descriptor, Manifest, Platform, DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST};
use image::{ImageRecord, ImageReference, NewImage};
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference, RegistryOperation};

use crate::auth;
use crate::bounded::{self, Deadlines, MAX_CONFIG_BYTES};
use crate::certs;
use crate::config::RegistriesConf;
use crate::endpoint::{Endpoint, EndpointConfig, Failure, Request};
use crate::error::{escape_control, Error, Result};
use crate::progress::{short_digest, CountingWriter, PullProgress};

/// Manifest types rpod accepts, lists first so a tag's own digest is what the registry names.
const ACCEPT: &[&str] = &[OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST];
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A registry that stops sending for this long is given up on.
const READ_TIMEOUT: Duration = Duration::from_secs(60);
/// Layers fetched at once during a pull.
const PARALLEL_LAYERS: usize = 3;

/// How to reach registries: `--authfile`, `--tls-verify` and `--cert-dir` as the user gave them.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    pub authfile: Option<PathBuf>,
    /// The user's own credentials file (`host::Host::containers_auth_file`), searched first
    /// when no `--authfile` is given; `None` skips it.
    pub user_authfile: Option<PathBuf>,
    /// `None` leaves TLS verification to registries.conf (`insecure = true`).
    pub tls_verify: Option<bool>,
    /// Extra trusted CAs (`*.crt`) instead of the per-registry certs.d directories.
    pub cert_dir: Option<PathBuf>,
    /// Where to remember which insecure registries speak plain HTTP (a directory under the
    /// runroot, so it is forgotten at reboot): later runs skip the HTTPS probe, and its
    /// client's start-up, which is most of a dry run's time.
    pub protocol_memory: Option<PathBuf>,
}

/// Where a pull or push reports progress (Podman prints it on stderr); a `Fn(&str)` will do.
pub type Progress<'a> = &'a dyn PullProgress;

/// Which client a registry gets: its host, whether it is insecure, whether it speaks plain HTTP.
type ClientKey = (String, bool, bool);

/// The registry client of one rpod process.
pub struct RegistryClient {
    options: RegistryOptions,
    conf: RegistriesConf,
    deadlines: Deadlines,
    /// Hosts found to speak plain HTTP (insecure registries only), so HTTPS is tried once.
    plain_http: Mutex<HashMap<String, bool>>,
    /// One reader per registry for everything rpod reads (manifests, digests, blobs): building
    /// one parses the system's CA certificates, and reusing it keeps connections and tokens
    /// across requests.
    endpoints: Mutex<HashMap<ClientKey, Arc<Endpoint>>>,
    /// oci-client clients, for pushes only.
    clients: Mutex<HashMap<ClientKey, Client>>,
}

impl RegistryClient {
    /// A client with the system's registries.conf.
    pub fn new(options: RegistryOptions) -> Result<RegistryClient> {
        let remembered = remembered_plain_http(options.protocol_memory.as_deref());
        Ok(RegistryClient {
            options,
            conf: RegistriesConf::load()?,
            deadlines: Deadlines::from_env(),
            plain_http: Mutex::new(remembered),
            endpoints: Mutex::new(HashMap::new()),
            clients: Mutex::new(HashMap::new()),
        })
    }

    /// The digest the registry serves for `reference` now (one HEAD request, a GET only where
    /// the registry sends no `Docker-Content-Digest`). For a multi-arch tag this is the list's
    /// digest, which the store keeps beside the platform manifest's.
    pub async fn manifest_digest(&self, reference: &ImageReference) -> Result<String> {
        self.first_source(reference, |source| async move {
            let (target, auth) = self.target(&source)?;
            let name = source.to_string();
            let at = Request { image: &name, target: &target, auth: &auth };
            self.with_client(&source, || async {
                self.endpoint_for(&source)?.manifest_digest(&at, &ACCEPT.join(", ")).await
            })
            .await
        })
        .await
    }

    /// Runs `attempt` on each place `reference` can come from (registries.conf mirrors first,
    /// then the registry itself) until one succeeds. A blocked registry stops at once; when
    /// every place fails, the registry's own error is the one reported.
    async fn first_source<T, F, Fut>(&self, reference: &ImageReference, attempt: F) -> Result<T>
    where
        F: Fn(ImageReference) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let mut last = Error::NotFound { image: reference.to_string() };
        for source in self.conf.sources(reference) {
            match attempt(source.clone()).await {
                Ok(value) => return Ok(value),
                Err(err @ Error::Blocked(_)) => return Err(err),
                Err(err) => {
                    tracing::debug!("{source}: {err}");
                    last = err;
                }
            }
        }
        Err(last)
    }

    /// Pulls `reference` for `platform` into `store` and names it `reference`. Every blob is
    /// verified against its digest as it is stored; the image is recorded only at the end.
    pub async fn pull(
        &self,
        reference: &ImageReference,
        store: &image::Store,
        platform: &Platform,
        progress: Progress<'_>,
    ) -> Result<ImageRecord> {
        let name = &reference.to_string();
        self.first_source(
            reference,
            |source| async move { self.pull_from(&source, name, store, platform, progress).await },
        )
        .await
    }

    /// Pulls from one source (the registry or a mirror) and names the image `name`.
    async fn pull_from(
        &self,
        reference: &ImageReference,
        name: &str,
        store: &image::Store,
        platform: &Platform,
        progress: Progress<'_>,
    ) -> Result<ImageRecord> {
        let (target, auth) = self.target(reference)?;
        let source = reference.to_string();
        let accept = ACCEPT.join(", ");
        let at = Request { image: &source, target: &target, auth: &auth };
        let (bytes, digest) = self
            .with_client(reference, || async { self.endpoint_for(reference)?.manifest(&at, &accept).await })
            .await?;
        // The plain-HTTP question is settled by the first request: the rest use that endpoint.
        let endpoint = self.endpoint_for(reference)?;
        let (manifest_bytes, list_digest) = match choose_platform(&bytes, platform, &source)? {
            Some(entry) => {
                let entry_target = target.clone_with_digest(entry);
                let entry_at = Request { image: &source, target: &entry_target, auth: &auth };
                let (bytes, _) =
                    endpoint.manifest(&entry_at, &accept).await.map_err(|f| self.name_failure(&source, f))?;
                (bytes, Some(digest))
            }
            None => (bytes, None),
        };
        let manifest = Manifest::parse(&manifest_bytes)?;
        // Digests name files and URLs below: anything but sha256 hex is refused first.
        for descriptor in std::iter::once(&manifest.config).chain(&manifest.layers) {
            image::blobs::hex_of(&descriptor.digest)?;
        }
        if manifest.config.size > MAX_CONFIG_BYTES {
            let digest = manifest.config.digest.clone();
            return Err(Error::ConfigTooLarge {
                image: source,
                digest,
                size: Some(manifest.config.size),
                limit: MAX_CONFIG_BYTES,
            });
        }
        progress.line("Getting image source signatures");
        let blobs =
            std::iter::once(&manifest.config).chain(&manifest.layers).filter(|d| !store.blobs().contains(&d.digest));
        futures_util::stream::iter(blobs.map(|descriptor| {
            let (endpoint, at, source) = (&endpoint, &at, &source);
            async move {
                progress.blob_started(&descriptor.digest, descriptor.size);
                fetch_blob(endpoint, at, descriptor, store, progress)
                    .await
                    .map_err(|f| self.name_failure(source, f))?;
                progress.blob_done(&descriptor.digest);
                Ok::<_, Error>(())
            }
        }))
        .buffer_unordered(PARALLEL_LAYERS)
        .try_collect::<Vec<_>>()
        .await?;
        progress.line("Writing manifest to image destination");
        Ok(store.commit_image(&NewImage { manifest: manifest_bytes, list_digest, names: vec![name.to_string()] })?)
    }

    /// Pushes the stored image `record` to `destination`; returns the manifest digest.
    pub async fn push(
        &self,
        record: &ImageRecord,
        store: &image::Store,
        destination: &ImageReference,
        progress: Progress<'_>,
    ) -> Result<String> {
        let (target, auth) = self.target(destination)?;
        let name = destination.to_string();
        let small = self.deadlines.small();
        self.with_client(destination, || async {
            let client = self.client_for(destination)?;
            Ok(self.within(small, &name, client.auth(&target, &auth, RegistryOperation::Push)).await??)
        })
        .await?;
        let client = self.client_for(destination)?;
        client.store_auth_if_needed(target.resolve_registry(), &auth).await;
        let manifest_bytes = store.blobs().read(&record.manifest_digest)?;
        let manifest = Manifest::parse(&manifest_bytes)?;
        for descriptor in std::iter::once(&manifest.config).chain(&manifest.layers) {
            let exists =
                self.pushed(small, &name, client.blob_exists(&target, &descriptor.digest)).await.unwrap_or(false);
            if !exists {
                progress.line(&format!("Copying blob {}", short_digest(&descriptor.digest)));
                let data = store.blobs().read(&descriptor.digest)?;
                let deadline = self.deadlines.blob(data.len() as u64);
                self.pushed(deadline, &name, client.push_blob(&target, data, &descriptor.digest)).await?;
            }
        }
        let content_type = manifest.media_type.clone().unwrap_or_else(|| OCI_MANIFEST.to_string());
        let header = content_type.parse().map_err(|_| Error::Registry {
            image: name.clone(),
            reason: format!("bad media type {}", escape_control(&content_type)),
        })?;
        progress.line("Writing manifest to image destination");
        self.pushed(small, &name, client.push_manifest_raw(&target, manifest_bytes, header)).await
    }

    /// Runs one oci-client request of a push under `deadline`, naming its failure for `image`.
    async fn pushed<T>(
        &self,
        deadline: Duration,
        image: &str,
        request: impl std::future::Future<Output = std::result::Result<T, oci_client::errors::OciDistributionError>>,
    ) -> Result<T> {
        match self.within(deadline, image, request).await {
            Ok(result) => result.map_err(|e| self.name_failure(image, Failure::Client(e))),
            Err(failure) => Err(self.name_failure(image, failure)),
        }
    }

    /// Runs one request under `deadline`.
    async fn within<T>(
        &self,
        deadline: Duration,
        image: &str,
        request: impl std::future::Future<Output = T>,
    ) -> std::result::Result<T, Failure> {
        bounded::within(deadline, request)
            .await
            .ok_or_else(|| Failure::Refused(Error::Deadline { image: image.to_string(), seconds: deadline.as_secs() }))
    }

    /// Checks `credentials` against `registry` (`host[:port]`), as `login` does before saving.
    pub async fn check_login(&self, registry: &str, credentials: &auth::Credentials) -> Result<()> {
        let probe = ImageReference {
            domain: registry.to_string(),
            path: "rpod-login-check".into(),
            tag: Some("latest".into()),
            digest: None,
        };
        let target = Reference::with_tag(registry.to_string(), probe.path.clone(), "latest".into());
        let basic = RegistryAuth::Basic(credentials.username.clone(), credentials.password.clone());
        let name = probe.to_string();
        let at = Request { image: &name, target: &target, auth: &basic };
        self.with_client(&probe, || async { self.endpoint_for(&probe)?.check_credentials(&at).await }).await
    }

    /// The oci-client reference and the credentials for `reference`, refusing short names and
    /// blocked registries.
    fn target(&self, reference: &ImageReference) -> Result<(Reference, RegistryAuth)> {
        if self.conf.is_blocked(&reference.repository()) {
            return Err(Error::Blocked(reference.domain.clone()));
        }
        let target = match (&reference.digest, reference.tag_or_default()) {
            (Some(digest), _) => {
                Reference::with_digest(reference.domain.clone(), reference.path.clone(), digest.clone())
            }
            (None, Some(tag)) => Reference::with_tag(reference.domain.clone(), reference.path.clone(), tag.to_string()),
            (None, None) => return Err(Error::ShortName(reference.to_string())),
        };
        let paths = auth::search_path(self.options.authfile.as_deref(), self.options.user_authfile.as_deref());
        let auth = match auth::lookup(&paths, &reference.domain)? {
            Some(creds) => RegistryAuth::Basic(creds.username, creds.password),
            None => RegistryAuth::Anonymous,
        };
        Ok((target, auth))
    }

    fn insecure(&self, reference: &ImageReference) -> bool {
        match self.options.tls_verify {
            Some(verify) => !verify,
            None => self.conf.is_insecure(&reference.repository()),
        }
    }

    /// A client for the reference's registry: HTTPS with verification, or for insecure
    /// registries HTTPS without verification, or plain HTTP once HTTPS failed there.
    fn client_for(&self, reference: &ImageReference) -> Result<Client> {
        let key = self.client_key(reference);
        let (insecure, http) = (key.1, key.2);
        if let Some(client) = self.clients.lock().ok().and_then(|clients| clients.get(&key).cloned()) {
            return Ok(client);
        }
        let roots = certs::load(&certs::search_dirs(self.options.cert_dir.as_deref(), &reference.domain))?;
        let client = build_client(&reference.domain, insecure, http, roots)?;
        if let Ok(mut clients) = self.clients.lock() {
            clients.insert(key, client.clone());
        }
        Ok(client)
    }

    /// The reader for the reference's registry (see [`Self::client_for`] for which one).
    fn endpoint_for(&self, reference: &ImageReference) -> Result<Arc<Endpoint>> {
        let key = self.client_key(reference);
        if let Some(endpoint) = self.endpoints.lock().ok().and_then(|endpoints| endpoints.get(&key).cloned()) {
            return Ok(endpoint);
        }
        let domain = &reference.domain;
        let roots = certs::load(&certs::search_dirs(self.options.cert_dir.as_deref(), domain))?
            .into_iter()
            .map(|cert| cert.data)
            .collect();
        let config = EndpointConfig {
            insecure: key.1,
            plain_http: key.2,
            roots,
            connect_timeout: CONNECT_TIMEOUT,
            read_timeout: READ_TIMEOUT,
            deadlines: self.deadlines,
        };
        let endpoint = Arc::new(
            Endpoint::build(config)
                .map_err(|e| Error::Certificates { registry: domain.clone(), reason: e.to_string() })?,
        );
        if let Ok(mut endpoints) = self.endpoints.lock() {
            endpoints.insert(key, endpoint.clone());
        }
        Ok(endpoint)
    }

    /// `(domain, insecure, plain HTTP)` for the reference's registry as things stand now.
    fn client_key(&self, reference: &ImageReference) -> ClientKey {
        let insecure = self.insecure(reference);
        let http = insecure && self.knows_plain_http(&reference.domain);
        (reference.domain.clone(), insecure, http)
    }

    /// Runs `op` (which picks its client when called); for an insecure registry whose HTTPS
    /// fails at the connection level, remembers plain HTTP for it and runs `op` again.
    async fn with_client<T, F, Fut>(&self, reference: &ImageReference, op: F) -> Result<T>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = std::result::Result<T, Failure>>,
    {
        let name = reference.to_string();
        // Decided before the attempt: with concurrent requests another one may learn that the
        // host speaks plain HTTP while this one is still failing over HTTPS, and this one must
        // then retry too.
        let tried_plain_http = self.knows_plain_http(&reference.domain);
        match op().await {
            Ok(value) => Ok(value),
            Err(Failure::Client(oci_client::errors::OciDistributionError::RequestError(err)))
                if !err.is_timeout() && self.insecure(reference) && (err.is_connect() || err.is_request()) =>
            {
                // HTTPS failed: try plain HTTP. Plain HTTP failed (the registry may have
                // moved to HTTPS since it was remembered): forget it and try HTTPS. A registry
                // that stopped answering is not retried: that would only double the wait.
                self.set_plain_http(&reference.domain, !tried_plain_http);
                let result = op().await;
                if result.is_ok() && !tried_plain_http {
                    self.remember_plain_http(&reference.domain);
                }
                result.map_err(|failure| self.name_failure(&name, failure))
            }
            Err(failure) => Err(self.name_failure(&name, failure)),
        }
    }

    /// The error a failed request stands for, naming `image`.
    fn name_failure(&self, image: &str, failure: Failure) -> Error {
        match failure {
            Failure::Client(err) if is_timeout(&err) => timeout(image.to_string()),
            Failure::Client(err) => Error::from_client(image, err),
            Failure::Refused(err) => err,
        }
    }

    fn knows_plain_http(&self, domain: &str) -> bool {
        self.plain_http.lock().map(|m| m.get(domain).copied().unwrap_or(false)).unwrap_or(false)
    }

    fn set_plain_http(&self, domain: &str, plain: bool) {
        if let Ok(mut known) = self.plain_http.lock() {
            known.insert(domain.to_string(), plain);
        }
        if !plain {
            if let Some(dir) = &self.options.protocol_memory {
                let _ = std::fs::remove_file(dir.join(domain));
            }
        }
    }

    /// Best effort: a run that cannot write the note only probes HTTPS again next time.
    fn remember_plain_http(&self, domain: &str) {
        if let Some(dir) = &self.options.protocol_memory {
            let _ = privatefs::create_dir_all(dir).and_then(|()| privatefs::write(&dir.join(domain), ""));
        }
    }
}

/// The insecure registries earlier runs found to speak plain HTTP (file names in `dir`).
fn remembered_plain_http(dir: Option<&std::path::Path>) -> HashMap<String, bool> {
    let Some(Ok(entries)) = dir.map(std::fs::read_dir) else { return HashMap::new() };
    entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).map(|domain| (domain, true)).collect()
}

fn timeout(image: String) -> Error {
    Error::Timeout { image, connect_seconds: CONNECT_TIMEOUT.as_secs(), read_seconds: READ_TIMEOUT.as_secs() }
}

fn is_timeout(err: &oci_client::errors::OciDistributionError) -> bool {
    matches!(err, oci_client::errors::OciDistributionError::RequestError(e) if e.is_timeout())
}

/// A client for one registry. Built fallibly: oci-client's `Client::new` would silently fall
/// back to a default client (no timeouts, no extra roots) on a bad certificate.
fn build_client(
    domain: &str,
    insecure: bool,
    plain_http: bool,
    extra_roots: Vec<oci_client::client::Certificate>,
) -> Result<Client> {
    let protocol =
        if plain_http { ClientProtocol::HttpsExcept(vec![domain.to_string()]) } else { ClientProtocol::Https };
    let config = ClientConfig {
        protocol,
        accept_invalid_certificates: insecure,
        extra_root_certificates: extra_roots,
        connect_timeout: Some(CONNECT_TIMEOUT),
        read_timeout: Some(READ_TIMEOUT),
        ..Default::default()
    };
    Client::try_from(config).map_err(|e| Error::Certificates { registry: domain.to_string(), reason: e.to_string() })
}

/// Downloads one blob into an anonymous staging file inside the store (never `$TMPDIR`),
/// then stores it, verified against its digest.
async fn fetch_blob(
    endpoint: &Endpoint,
    at: &Request<'_>,
    descriptor: &Descriptor,
    store: &image::Store,
    progress: Progress<'_>,
) -> std::result::Result<(), Failure> {
    let mut staging = tokio::fs::File::from_std(store.staging_file().map_err(Error::from)?);
    let mut counting = CountingWriter { inner: &mut staging, digest: &descriptor.digest, progress };
    endpoint.blob(at, &descriptor.digest, descriptor.size, &mut counting).await?;
    let mut file = staging.into_std().await;
    std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(0))
        .map_err(|source| Error::Io { path: "a staging file in the store".into(), source })?;
    store.put_blob(&descriptor.digest, file).map_err(|err| match err {
        image::Error::DigestMismatch { .. } => {
            Error::DigestMismatch { image: at.image.to_string(), reason: err.to_string() }
        }
        other => Error::Store(other),
    })?;
    Ok(())
}

/// For a manifest list, the digest of the entry for `platform`; `None` for a plain manifest.
fn choose_platform(bytes: &[u8], platform: &Platform, name: &str) -> Result<Option<String>> {
    #[derive(serde::Deserialize)]
    struct Index {
        #[serde(default)]
        manifests: Option<Vec<image::manifest::Descriptor>>,
    }
    let index: Index = serde_json::from_slice(bytes).map_err(|e| image::Error::BadManifest(e.to_string()))?;
    let Some(entries) = index.manifests else { return Ok(None) };
    let matches = |p: &Platform| p.os == platform.os && p.architecture == platform.architecture;
    let chosen = entries
        .iter()
        .filter(|e| e.platform.as_ref().is_some_and(matches))
        .max_by_key(|e| {
            e.platform.as_ref().is_some_and(|p| !platform.variant.is_empty() && p.variant == platform.variant)
        })
        .ok_or_else(|| Error::NoPlatform { image: name.to_string(), platform: platform_string(platform) })?;
    Ok(Some(chosen.digest.clone()))
}

/// `os/arch[/variant]`.
pub fn platform_string(platform: &Platform) -> String {
    let mut text = format!("{}/{}", platform.os, platform.architecture);
    if !platform.variant.is_empty() {
        text.push('/');
        text.push_str(&platform.variant);
    }
    text
}

/// Parses `os/arch[/variant]` (`--platform`).
pub fn parse_platform(text: &str) -> Option<Platform> {
    let mut parts = text.split('/');
    let (os, architecture) = (parts.next()?, parts.next()?);
    Some(Platform {
        os: os.to_string(),
        architecture: architecture.to_string(),
        variant: parts.next().unwrap_or_default().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_platform_entry_of_a_list() {
        let list = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:aaa","size":1,"platform":{"architecture":"arm64","os":"linux"}},
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:bbb","size":1,"platform":{"architecture":"amd64","os":"linux"}}]}"#;
        let amd64 = parse_platform("linux/amd64").unwrap();
        assert_eq!(choose_platform(list, &amd64, "x").unwrap().as_deref(), Some("sha256:bbb"));
        let s390x = parse_platform("linux/s390x").unwrap();
        assert!(matches!(choose_platform(list, &s390x, "x"), Err(Error::NoPlatform { .. })));
        let single = br#"{"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:c","size":1},"layers":[]}"#;
        assert_eq!(choose_platform(single, &amd64, "x").unwrap(), None);
    }

    #[test]
    fn remembered_protocols_are_read_back() {
        let dir = tempfile::tempdir().unwrap();
        assert!(remembered_plain_http(Some(dir.path())).is_empty());
        std::fs::write(dir.path().join("127.0.0.1:5000"), "").unwrap();
        assert_eq!(remembered_plain_http(Some(dir.path())).get("127.0.0.1:5000"), Some(&true));
        assert!(remembered_plain_http(None).is_empty());
        assert!(remembered_plain_http(Some(&dir.path().join("missing"))).is_empty());
    }

    #[test]
    fn platform_strings_round_trip() {
        for text in ["linux/amd64", "linux/arm/v7"] {
            assert_eq!(platform_string(&parse_platform(text).unwrap()), text);
        }
        assert!(parse_platform("linux").is_none());
    }
}
