//! The OCI registry client: manifest digest checks, pulls, pushes, auth files, registries.conf.

pub mod auth;
pub mod bounded;
pub mod certs;
pub mod client;
pub mod config;
mod endpoint;
pub mod error;
pub mod progress;
pub mod resolve;
mod trust;

pub use client::{parse_platform, platform_string, RegistryClient, RegistryOptions};
pub use error::{Error, Result};
pub use progress::PullProgress;
pub use resolve::{pull_image, resolve_image, ResolveError, ResolvedImage};
