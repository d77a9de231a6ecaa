//! Stand-in until rpod's registry client (pkg/registry) lands: every registry check fails with
//! a clear reason, so `registry` containers are reported `failed` while `local` ones update.

use crate::backends::{BackendError, LocalImage, Registry, RemoteRequest};

/// The registry backend while rpod has no registry client.
pub struct NoRegistryClient;

impl Registry for NoRegistryClient {
    async fn remote_digests(&self, request: &RemoteRequest) -> Result<Vec<String>, BackendError> {
        Err(format!("checking {}: this rpod has no registry client yet", request.raw_image_name).into())
    }

    async fn pull(&self, request: &RemoteRequest) -> Result<LocalImage, BackendError> {
        Err(format!("pulling {}: this rpod has no registry client yet", request.raw_image_name).into())
    }
}
