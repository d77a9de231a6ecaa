//! Registry checks and pulls through rpod's registry client.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use image::Platform;
use registry::{PullProgress, RegistryClient, RegistryOptions};

use crate::adapters::{local_image, LazyImageStore};
use crate::backends::{BackendError, LocalImage, Registry, RegistryCheck, RemoteRequest};

/// What distinguishes one client from another: the auth file and the TLS setting.
type ClientKey = (Option<PathBuf>, Option<bool>);

/// One registry client per (auth file, TLS setting) of the run, pulling into `store`.
pub struct RegistryClients<'a> {
    store: &'a LazyImageStore,
    /// Where the clients remember insecure registries that speak plain HTTP (see
    /// `RegistryOptions::protocol_memory`).
    protocol_memory: Option<PathBuf>,
    /// Where pulls report progress (the command prints it on stderr, as Podman does).
    progress: &'a dyn PullProgress,
    /// The user's own credentials file (`RegistryOptions::user_authfile`).
    user_authfile: Option<PathBuf>,
    clients: Mutex<HashMap<ClientKey, Arc<RegistryClient>>>,
}

impl<'a> RegistryClients<'a> {
    /// Clients that pull into `store`, remembering registry protocols in `protocol_memory`,
    /// reporting pulls to `progress`, and finding credentials in `user_authfile` (then the
    /// other default places) where a container names no auth file.
    pub fn new(
        store: &'a LazyImageStore,
        protocol_memory: Option<PathBuf>,
        progress: &'a dyn PullProgress,
        user_authfile: Option<PathBuf>,
    ) -> Self {
        RegistryClients { store, protocol_memory, progress, user_authfile, clients: Mutex::new(HashMap::new()) }
    }

    fn client(&self, authfile: Option<&Path>, tls_verify: Option<bool>) -> Result<Arc<RegistryClient>, BackendError> {
        let key = (authfile.map(Path::to_path_buf), tls_verify);
        let mut clients = self.clients.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(client) = clients.get(&key) {
            return Ok(client.clone());
        }
        let options = RegistryOptions {
            authfile: key.0.clone(),
            user_authfile: self.user_authfile.clone(),
            tls_verify: key.1,
            protocol_memory: self.protocol_memory.clone(),
            ..Default::default()
        };
        let client = Arc::new(RegistryClient::new(options)?);
        clients.insert(key, client.clone());
        Ok(client)
    }
}

impl Registry for RegistryClients<'_> {
    async fn remote_digests(&self, check: &RegistryCheck) -> Result<Vec<String>, BackendError> {
        let reference = check.raw_image_name.reference()?;
        let digest = self.client(check.authfile.as_deref(), check.tls_verify)?.manifest_digest(reference).await?;
        Ok(vec![digest])
    }

    async fn pull(&self, request: &RemoteRequest) -> Result<LocalImage, BackendError> {
        let platform = registry::parse_platform(&request.platform).unwrap_or_else(Platform::host);
        let client = self.client(request.authfile.as_deref(), request.tls_verify)?;
        let record =
            registry::pull_image(&client, self.store.store()?, &request.raw_image_name, &platform, self.progress)
                .await?;
        Ok(local_image(&record))
    }
}
