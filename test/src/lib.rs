//! Harness for the black-box tests: the rpod binary with private roots, a loopback registry,
//! images published over its HTTP API, and the systemd sandbox.

pub mod faulty;
pub mod images;
pub mod registry;
pub mod rpod;
pub mod sandbox;
pub mod token_service;

pub use faulty::{Fault, FaultyRegistry};
pub use images::TestImage;
pub use registry::{RegistryOptions, TestRegistry};
pub use rpod::{rpod_binary, RunResult, TestEnv};
pub use sandbox::Sandbox;
