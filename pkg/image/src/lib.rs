//! Image references, the local content-addressed image store, and layer unpacking.

pub mod blobs;
pub mod error;
pub mod filter;
pub mod gc;
pub mod import;
pub mod inspect;
pub mod layers;
pub mod manifest;
pub mod previous;
pub mod pull_policy;
pub mod raw_name;
pub mod reference;
pub mod store;

pub use error::{Error, Result};
pub use manifest::Platform;
pub use pull_policy::{PullPolicy, UnsupportedPullPolicy};
pub use raw_name::{RawImageName, Transport};
pub use reference::{ImageReference, ReferenceError};
pub use store::{ImageConfig, ImageRecord, Layer, NewImage, Store};
