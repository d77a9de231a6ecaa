//! A real OCI registry for tests: Debian's `docker-registry` (CNCF distribution) on a free
//! loopback port, storage in a temporary directory, optionally with TLS (a self-signed
//! certificate for 127.0.0.1) and htpasswd authentication. Images are published over the
//! registry HTTP API with curl, so no container tool is involved; the registry's access log
//! tells how many requests of each kind it served.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use std::sync::Arc;

use crate::images::TestImage;
use crate::netns::{maybe_enter, NetNs, NetNsHandle};
use crate::rpod::TEST_BASE;
use crate::token_service::TokenService;

/// User and password of registries started with [`RegistryOptions::auth`].
pub const TEST_USER: &str = "rpod-tester";
pub const TEST_PASSWORD: &str = "s3cret-Pa55word";

/// How to start a registry.
#[derive(Debug, Clone, Copy, Default)]
pub struct RegistryOptions {
    pub tls: bool,
    pub auth: bool,
}

/// A running registry; killed on drop.
pub struct TestRegistry {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
    options: RegistryOptions,
    tokens: Option<Arc<TokenService>>,
    /// The test's own network namespace the registry listens in, when it does not listen in
    /// the machine's: publishing and readiness checks go there too.
    netns: Option<NetNsHandle>,
}

impl TestRegistry {
    /// A plain-HTTP registry without authentication.
    pub fn start() -> TestRegistry {
        TestRegistry::start_with(RegistryOptions::default())
    }

    pub fn start_with(options: RegistryOptions) -> TestRegistry {
        TestRegistry::launch(options, false, None)
    }

    /// A plain-HTTP registry listening on 127.0.0.1 of `netns` only, for tests whose containers
    /// get bridges, addresses and firewall rules: everything they pull from stays inside.
    pub fn start_in(netns: &NetNs) -> TestRegistry {
        TestRegistry::launch(RegistryOptions::default(), false, Some(netns.handle()))
    }

    /// A plain-HTTP registry that wants bearer tokens from a token service, which issues them
    /// for [`TEST_USER`]/[`TEST_PASSWORD`] (the flow of Docker Hub and quay.io).
    pub fn start_with_token_auth() -> TestRegistry {
        TestRegistry::launch(RegistryOptions::default(), true, None)
    }

    fn launch(options: RegistryOptions, token_auth: bool, netns: Option<NetNsHandle>) -> TestRegistry {
        std::fs::create_dir_all(TEST_BASE).expect("creating the test base directory");
        let dir = tempfile::Builder::new().prefix("registry-").tempdir_in(TEST_BASE).expect("a registry directory");
        let port = free_port();
        let mut http = format!("http: {{ addr: 127.0.0.1:{port}");
        if options.tls {
            make_certificate(dir.path());
            http.push_str(&format!(", tls: {{ certificate: {0}/cert.pem, key: {0}/key.pem }}", dir.path().display()));
        }
        http.push_str(" }");
        let mut config = format!(
            "version: 0.1\nstorage: {{ filesystem: {{ rootdirectory: {}/data }}, delete: {{ enabled: true }} }}\n{http}\nlog: {{ level: info, accesslog: {{ disabled: false }} }}\n",
            dir.path().display()
        );
        if options.auth {
            let out = Command::new("htpasswd")
                .args(["-Bbn", TEST_USER, TEST_PASSWORD])
                .output()
                .expect("htpasswd (package apache2-utils)");
            std::fs::write(dir.path().join("htpasswd"), out.stdout).expect("writing htpasswd");
            config.push_str(&format!(
                "auth: {{ htpasswd: {{ realm: rpod-test, path: {}/htpasswd }} }}\n",
                dir.path().display()
            ));
        }
        let tokens = token_auth.then(|| TokenService::start(dir.path(), TEST_USER, TEST_PASSWORD));
        if let Some(tokens) = &tokens {
            config.push_str(&tokens.registry_auth_config());
        }
        std::fs::write(dir.path().join("config.yml"), config).expect("writing the registry config");
        let log = std::fs::File::create(dir.path().join("registry.log")).expect("the registry log");
        let mut serve = Command::new("docker-registry");
        serve.arg("serve").arg(dir.path().join("config.yml"));
        let child = maybe_enter(netns.as_ref(), serve)
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .expect("docker-registry (package docker-registry) must be installed");
        let registry = TestRegistry { child, dir, port, options, tokens, netns };
        registry.wait_ready();
        registry
    }

    /// `127.0.0.1:PORT`, the registry part of image names.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `127.0.0.1:PORT/REPO:TAG`.
    pub fn image(&self, repo: &str, tag: &str) -> String {
        format!("{}/{repo}:{tag}", self.host())
    }

    /// The registry's storage directory (to corrupt blobs in tests).
    pub fn storage(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The CA that signed a TLS registry's certificate (for `--cert-dir` / certs.d).
    pub fn ca_certificate(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// An auth file with this registry's test credentials.
    pub fn write_authfile(&self, path: &Path) {
        use base64::Engine;
        let auth = base64::engine::general_purpose::STANDARD.encode(format!("{TEST_USER}:{TEST_PASSWORD}"));
        let json = serde_json::json!({"auths": {self.host(): {"auth": auth}}});
        std::fs::write(path, json.to_string()).expect("writing the auth file");
    }

    /// Publishes `image` as `repo:tag` through the registry HTTP API; returns the manifest digest.
    pub fn publish(&self, repo: &str, tag: &str, image: &TestImage) -> String {
        self.publish_manifest(
            repo,
            tag,
            "application/vnd.oci.image.manifest.v1+json",
            &image.manifest,
            &[&image.config, &image.layer],
        );
        image.manifest_digest.clone()
    }

    /// Publishes `image` with a Docker schema 2 manifest and a gzip-compressed layer, as Docker
    /// Hub serves most images; returns the manifest digest.
    pub fn publish_docker(&self, repo: &str, tag: &str, image: &TestImage) -> String {
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gzip, &image.layer).expect("compressing the layer");
        let layer = gzip.finish().expect("the compressed layer");
        let descriptor = |media_type: &str, blob: &[u8]| serde_json::json!({"mediaType": media_type, "digest": image::blobs::sha256_digest(blob), "size": blob.len()});
        let media_type = "application/vnd.docker.distribution.manifest.v2+json";
        let manifest = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": media_type,
            "config": descriptor("application/vnd.docker.container.image.v1+json", &image.config),
            "layers": [descriptor("application/vnd.docker.image.rootfs.diff.tar.gzip", &layer)],
        }))
        .expect("a manifest");
        self.publish_manifest(repo, tag, media_type, &manifest, &[&image.config, &layer]);
        image::blobs::sha256_digest(&manifest)
    }

    /// Uploads `blobs`, then PUTs `manifest` as `repo:tag` with `media_type`.
    fn publish_manifest(&self, repo: &str, tag: &str, media_type: &str, manifest: &[u8], blobs: &[&[u8]]) {
        for blob in blobs {
            self.upload_blob(repo, blob);
        }
        let path = self.dir.path().join("manifest.json");
        std::fs::write(&path, manifest).expect("staging the manifest");
        self.curl(
            repo,
            &[
                "-X",
                "PUT",
                "-H",
                &format!("Content-Type: {media_type}"),
                "--data-binary",
                &format!("@{}", path.display()),
                &self.url(&format!("/v2/{repo}/manifests/{tag}")),
            ],
        );
    }

    /// Publishes an OCI index under `repo:tag` whose entries are `(manifest digest, size, arch)`.
    pub fn publish_index(&self, repo: &str, tag: &str, entries: &[(&str, usize, &str)]) -> String {
        let manifests: Vec<serde_json::Value> = entries
            .iter()
            .map(|(digest, size, arch)| serde_json::json!({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest, "size": size, "platform": {"architecture": arch, "os": "linux"}}))
            .collect();
        let index = serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests})).expect("an index");
        let path = self.dir.path().join("index.json");
        std::fs::write(&path, &index).expect("staging the index");
        self.curl(
            repo,
            &[
                "-X",
                "PUT",
                "-H",
                "Content-Type: application/vnd.oci.image.index.v1+json",
                "--data-binary",
                &format!("@{}", path.display()),
                &self.url(&format!("/v2/{repo}/manifests/{tag}")),
            ],
        );
        image::blobs::sha256_digest(&index)
    }

    /// How many requests with `method` for a path containing `path_part` the registry served.
    pub fn count_requests(&self, method: &str, path_part: &str) -> usize {
        let log = std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default();
        let needle = format!("\"{method} ");
        log.lines().filter(|l| l.contains(&needle) && l.contains(path_part)).count()
    }

    fn upload_blob(&self, repo: &str, blob: &[u8]) {
        let digest = image::blobs::sha256_digest(blob);
        let headers = self.curl(
            repo,
            &["-X", "POST", "-D", "-", "-o", "/dev/null", &self.url(&format!("/v2/{repo}/blobs/uploads/"))],
        );
        let location = headers
            .lines()
            .find_map(|l| l.strip_prefix("Location: ").or_else(|| l.strip_prefix("location: ")))
            .expect("an upload location")
            .trim()
            .to_string();
        let location = if location.starts_with("http") { location } else { self.url(&location) };
        let separator = if location.contains('?') { '&' } else { '?' };
        let path = self.dir.path().join("blob");
        std::fs::write(&path, blob).expect("staging a blob");
        self.curl(
            repo,
            &[
                "-X",
                "PUT",
                "-H",
                "Content-Type: application/octet-stream",
                "--data-binary",
                &format!("@{}", path.display()),
                &format!("{location}{separator}digest={digest}"),
            ],
        );
    }

    fn url(&self, path: &str) -> String {
        format!("{}://{}{path}", if self.options.tls { "https" } else { "http" }, self.host())
    }

    /// Runs curl against the registry with whatever credentials publishing to `repo` needs.
    fn curl(&self, repo: &str, args: &[&str]) -> String {
        let mut cmd = Command::new("curl");
        cmd.args(["-sS", "--fail-with-body", "-k"]);
        if self.options.auth {
            cmd.args(["-u", &format!("{TEST_USER}:{TEST_PASSWORD}")]);
        }
        if let Some(tokens) = &self.tokens {
            cmd.args(["-H", &format!("Authorization: Bearer {}", tokens.mint(TEST_USER, repo, &["pull", "push"]))]);
        }
        cmd.args(args);
        let out = maybe_enter(self.netns.as_ref(), cmd).output().expect("curl must be installed");
        assert!(
            out.status.success(),
            "curl {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let mut probe = Command::new("curl");
            probe.args(["-sk", "-o", "/dev/null", "-w", "%{http_code}", &self.url("/v2/")]);
            let status = maybe_enter(self.netns.as_ref(), probe).output();
            if let Ok(out) = status {
                let code = String::from_utf8_lossy(&out.stdout).to_string();
                if code == "200" || code == "401" {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "docker-registry did not answer on {}: {}",
            self.host(),
            std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
        );
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on right now (the OS picks it).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free loopback port")
}

/// A throwaway CA (`ca.pem`) and a server certificate it signed for 127.0.0.1 and localhost
/// (`cert.pem`, `key.pem`). The server certificate is not a CA itself, so a client that trusts
/// `ca.pem` (`--cert-dir`) accepts it, and one that does not refuses it.
fn make_certificate(dir: &Path) {
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .expect("writing the certificate extensions");
    let steps: [&[&str]; 3] = [
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=rpod test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ],
        &["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "key.pem", "-out", "server.csr"],
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "cert.pem",
        ],
    ];
    for args in steps {
        let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl must be installed");
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}
