//! Harness for the black-box tests: the rpod binary with private roots, a loopback registry,
//! images published over its HTTP API, and the systemd sandbox.

pub mod rpod;

pub use rpod::{rpod_binary, RunResult, TestEnv};
