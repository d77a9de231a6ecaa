//! Harness for the black-box tests: the rpod binary with private roots, a loopback registry,
//! images published over its HTTP API, the systemd sandbox, and, for side-by-side runs of real
//! Debian software, Podman, Debian root filesystems and network namespaces of the tests' own.

pub mod debian_image;
pub mod engine;
pub mod faulty;
pub mod images;
pub mod netns;
pub mod podman;
pub mod poll;
pub mod registry;
pub mod rpod;
pub mod sandbox;
pub mod token_service;
pub mod update_world;

pub use engine::{ContainerGuard, DebianEngines, Engine, EngineInNetNs, DEBIAN_IMAGE};
pub use faulty::{Fault, FaultyRegistry};
pub use images::TestImage;
pub use netns::{NetNs, NetNsHandle};
pub use podman::Podman;
pub use poll::eventually;
pub use registry::{RegistryOptions, TestRegistry};
pub use rpod::{rpod_binary, RunResult, TestEnv};
pub use sandbox::Sandbox;
