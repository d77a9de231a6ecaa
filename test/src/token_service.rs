//! A bearer-token service for a test registry (distribution's `auth: token`): it checks HTTP
//! basic credentials and issues RS256 JWTs signed with a throwaway key whose certificate the
//! registry trusts, the flow Docker Hub and quay.io use. Tokens are signed with `openssl`.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;

/// Who the tokens say issued them and which registry (audience) they are for.
pub const ISSUER: &str = "rpod-token-issuer";
pub const SERVICE: &str = "rpod-test-registry";

/// The signing key and certificate, and the one user it accepts.
pub struct TokenService {
    dir: PathBuf,
    user: String,
    password: String,
    port: u16,
}

impl TokenService {
    /// Makes a key pair in `dir` and serves `GET /token` on a free loopback port.
    pub fn start(dir: &Path, user: &str, password: &str) -> Arc<TokenService> {
        let out = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=rpod token issuer"])
            .args(["-keyout", "token.key", "-out", "token.pem"])
            .current_dir(dir)
            .output()
            .expect("openssl must be installed");
        assert!(out.status.success(), "openssl: {}", String::from_utf8_lossy(&out.stderr));
        let listener = TcpListener::bind("127.0.0.1:0").expect("a token service port");
        let port = listener.local_addr().expect("the token service address").port();
        let service =
            Arc::new(TokenService { dir: dir.to_path_buf(), user: user.into(), password: password.into(), port });
        let serving = service.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = serving.answer(stream);
            }
        });
        service
    }

    /// The registry config's `auth:` section.
    pub fn registry_auth_config(&self) -> String {
        format!(
            "auth: {{ token: {{ realm: 'http://127.0.0.1:{}/token', service: {SERVICE}, issuer: {ISSUER}, rootcertbundle: {} }} }}\n",
            self.port,
            self.dir.join("token.pem").display()
        )
    }

    /// A token granting `actions` on `repository`.
    pub fn mint(&self, subject: &str, repository: &str, actions: &[&str]) -> String {
        let der = Command::new("openssl")
            .args(["x509", "-outform", "DER", "-in"])
            .arg(self.dir.join("token.pem"))
            .output()
            .expect("openssl x509");
        let header = serde_json::json!({"typ": "JWT", "alg": "RS256", "x5c": [base64::engine::general_purpose::STANDARD.encode(der.stdout)]});
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default();
        let access: Vec<serde_json::Value> = if repository.is_empty() {
            Vec::new()
        } else {
            vec![serde_json::json!({"type": "repository", "name": repository, "actions": actions})]
        };
        let claims = serde_json::json!({"iss": ISSUER, "sub": subject, "aud": SERVICE, "exp": now + 600, "nbf": now - 60, "iat": now, "jti": format!("{now}-{}", rand_id()), "access": access});
        let b64 = |v: &serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        let signing_input = format!("{}.{}", b64(&header), b64(&claims));
        let input = tempfile::NamedTempFile::new_in(&self.dir).expect("a signing input file");
        std::fs::write(input.path(), &signing_input).expect("writing the signing input");
        let signature = Command::new("openssl")
            .args(["dgst", "-sha256", "-sign"])
            .arg(self.dir.join("token.key"))
            .arg(input.path())
            .output()
            .expect("openssl dgst");
        assert!(signature.status.success(), "signing a token failed");
        format!("{signing_input}.{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signature.stdout))
    }

    /// One request: 401 for wrong credentials, else a token for the requested scope (none for
    /// anonymous requests).
    fn answer(&self, stream: std::net::TcpStream) -> std::io::Result<()> {
        let mut reader = BufReader::new(stream.try_clone()?);
        let (mut request_line, mut authorization) = (String::new(), None);
        reader.read_line(&mut request_line)?;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 || line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("authorization") {
                    authorization = Some(value.trim().to_string());
                }
            }
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or_default();
        let scope = path
            .split(['?', '&'])
            .find_map(|p| p.strip_prefix("scope="))
            .unwrap_or_default()
            .replace("%3A", ":")
            .replace("%2F", "/")
            .replace("%2C", ",");
        let mut parts = scope.splitn(3, ':');
        let (repository, actions) =
            (parts.nth(1).unwrap_or_default().to_string(), parts.next().unwrap_or_default().to_string());
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", self.user, self.password))
        );
        let mut out = stream;
        let body = match authorization {
            Some(given) if given == expected => serde_json::json!({"token": self.mint(&self.user, &repository, &actions.split(',').collect::<Vec<_>>())}),
            Some(_) => {
                return out.write_all(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            }
            None => serde_json::json!({"token": self.mint("", "", &[])}),
        }
        .to_string();
        write!(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())
    }
}

fn rand_id() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u8(1);
    hasher.finish()
}
