//! Trust roots for verifying registries' certificates: the system's, loaded once per process
//! and only when a TLS handshake has a certificate to verify.
//!
//! reqwest's own verifier reads the whole system set when each client is built — the bundle
//! and then every file of `/etc/ssl/certs`, the same ~150 roots twice over — even for a
//! registry reached over plain HTTP, and again for every client. That was a visible part of a
//! dry run's time. Here the bundle alone is read (the directory only where there is no bundle,
//! or where `SSL_CERT_FILE`/`SSL_CERT_DIR` say otherwise), once, at the first handshake.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// Where distributions keep the one-file bundle of their roots (openssl-probe's list).
const BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

static SYSTEM_ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();

/// The system's roots, read at the first call of the process.
fn system_roots() -> &'static [CertificateDer<'static>] {
    SYSTEM_ROOTS.get_or_init(|| {
        let chosen_by_env = ["SSL_CERT_FILE", "SSL_CERT_DIR"].iter().any(|v| std::env::var_os(v).is_some());
        let bundle = BUNDLES.iter().map(Path::new).find(|p| p.is_file());
        let result = match bundle {
            Some(file) if !chosen_by_env => rustls_native_certs::load_certs_from_paths(Some(file), None),
            _ => rustls_native_certs::load_native_certs(),
        };
        for error in &result.errors {
            tracing::warn!("loading the system's CA certificates: {error}");
        }
        tracing::debug!("loaded {} CA certificates from the system", result.certs.len());
        result.certs
    })
}

/// A client TLS configuration that trusts the system's roots plus `extra` (PEM, from a
/// registry's certs.d), read only when a handshake first verifies a certificate.
pub fn client_config(extra: &[Vec<u8>]) -> Result<ClientConfig, rustls::Error> {
    let extra = extra
        .iter()
        .flat_map(|pem| CertificateDer::pem_slice_iter(pem))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| rustls::Error::General(format!("reading a CA certificate: {e}")))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = Arc::new(LazyVerifier { extra, provider: provider.clone(), inner: OnceLock::new() });
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// WebPKI verification whose root store is built at the first certificate it verifies.
#[derive(Debug)]
struct LazyVerifier {
    extra: Vec<CertificateDer<'static>>,
    provider: Arc<CryptoProvider>,
    inner: OnceLock<Result<Arc<WebPkiServerVerifier>, rustls::Error>>,
}

impl LazyVerifier {
    fn verifier(&self) -> Result<&Arc<WebPkiServerVerifier>, rustls::Error> {
        self.inner
            .get_or_init(|| {
                let mut roots = RootCertStore::empty();
                roots.add_parsable_certificates(system_roots().iter().cloned());
                for cert in &self.extra {
                    roots.add(cert.clone())?;
                }
                if roots.is_empty() {
                    return Err(rustls::Error::General("no CA certificates were found on the system".into()));
                }
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), self.provider.clone())
                    .build()
                    .map_err(|e| rustls::Error::General(e.to_string()))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl ServerCertVerifier for LazyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.verifier()?.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_read_until_a_certificate_is_verified() {
        let config = client_config(&[]).unwrap();
        assert!(SYSTEM_ROOTS.get().is_none(), "building a configuration reads no roots");
        drop(config);
    }

    #[test]
    fn a_bad_extra_certificate_is_refused_at_once() {
        let err = client_config(&[b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n".to_vec()])
            .unwrap_err();
        assert!(err.to_string().contains("reading a CA certificate"), "{err}");
    }
}
