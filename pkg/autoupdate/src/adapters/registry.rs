//! Registry checks and pulls through rpod's registry client.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use image::{ImageReference, Platform};
use registry::{Registry as Client, RegistryOptions};

use crate::adapters::local_image;
use crate::backends::{BackendError, LocalImage, Registry, RemoteRequest};

/// What distinguishes one client from another: the auth file and the TLS setting.
type ClientKey = (Option<PathBuf>, Option<bool>);

/// One registry client per (auth file, TLS setting) of the run, pulling into `store`.
pub struct RegistryClients<'a> {
    store: &'a image::Store,
    /// Where the clients remember insecure registries that speak plain HTTP (see
    /// `RegistryOptions::protocol_memory`).
    protocol_memory: Option<PathBuf>,
    clients: Mutex<HashMap<ClientKey, Arc<Client>>>,
}

impl<'a> RegistryClients<'a> {
    /// Clients that pull into `store`, remembering registry protocols in `protocol_memory`.
    pub fn new(store: &'a image::Store, protocol_memory: Option<PathBuf>) -> Self {
        RegistryClients { store, protocol_memory, clients: Mutex::new(HashMap::new()) }
    }

    fn client(&self, request: &RemoteRequest) -> Result<Arc<Client>, BackendError> {
        let key = (request.authfile.clone(), request.tls_verify);
        let mut clients = self.clients.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(client) = clients.get(&key) {
            return Ok(client.clone());
        }
        let options = RegistryOptions { authfile: key.0.clone(), tls_verify: key.1, protocol_memory: self.protocol_memory.clone(), ..Default::default() };
        let client = Arc::new(Client::new(options)?);
        clients.insert(key, client.clone());
        Ok(client)
    }
}

impl Registry for RegistryClients<'_> {
    async fn remote_digests(&self, request: &RemoteRequest) -> Result<Vec<String>, BackendError> {
        let reference = ImageReference::parse(&request.raw_image_name)?;
        let digest = self.client(request)?.manifest_digest(&reference).await?;
        Ok(vec![digest])
    }

    async fn pull(&self, request: &RemoteRequest) -> Result<LocalImage, BackendError> {
        let reference = ImageReference::parse(&request.raw_image_name)?;
        // Like Podman: the pull's progress goes to stderr, starting with "Trying to pull".
        eprintln!("Trying to pull {reference}...");
        let platform = registry::parse_platform(&request.platform).unwrap_or_else(Platform::host);
        let progress = |line: &str| eprintln!("{line}");
        let record = self.client(request)?.pull(&reference, self.store, &platform, &progress).await?;
        Ok(local_image(&record))
    }
}
