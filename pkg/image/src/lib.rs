//! Image references, the local content-addressed image store, and layer unpacking.

pub mod reference;

pub use reference::{ImageReference, ReferenceError};
