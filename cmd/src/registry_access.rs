//! Shared registry plumbing for commands: the flags and the one async runtime. Pulling is
//! `registry::resolve_image`/`registry::pull_image`, with a printer from `pull_progress`.

use std::path::PathBuf;

use clap::Args;

use crate::go_flags;

/// `--authfile` and `--tls-verify`, as pull, push, login, create and run take them.
#[derive(Debug, Clone, Args)]
pub struct RegistryArgs {
    /// Path of the registry credentials file (default: $REGISTRY_AUTH_FILE, then the standard locations)
    #[arg(long, value_name = "PATH")]
    pub authfile: Option<PathBuf>,
    /// Require HTTPS and verify certificates (default: true, unless registries.conf marks the registry insecure)
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_flags::parse_bool)]
    pub tls_verify: Option<bool>,
}

impl RegistryArgs {
    /// The registry client these flags describe for `host`'s user; an explicit `--authfile`
    /// must be readable.
    pub fn registry(&self, host: &host::Host) -> registry::Result<registry::RegistryClient> {
        self.registry_with_cert_dir(None, host)
    }

    /// The same, trusting the `*.crt` files of `cert_dir` (pull, push and login's `--cert-dir`)
    /// instead of the registry's certs.d directories.
    pub fn registry_with_cert_dir(
        &self,
        cert_dir: Option<&std::path::Path>,
        host: &host::Host,
    ) -> registry::Result<registry::RegistryClient> {
        if let Some(path) = &self.authfile {
            registry::auth::check_accessible(path)?;
        }
        let options = registry::RegistryOptions {
            authfile: self.authfile.clone(),
            user_authfile: Some(host.containers_auth_file()),
            tls_verify: self.tls_verify,
            cert_dir: cert_dir.map(Into::into),
            ..Default::default()
        };
        registry::RegistryClient::new(options)
    }
}

/// Runs one future to completion on a runtime made for this command: rpod commands are short
/// and do their network I/O in one place, so one current-thread runtime is all they need.
pub fn block_on<F: std::future::Future>(future: F) -> anyhow::Result<F::Output> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    Ok(runtime.block_on(future))
}
