//! netavark, the program that configures a container's network namespace for Podman ≥ 4:
//! what it reads on stdin ([`NetavarkOptions`]), what `setup` prints ([`StatusBlock`] per
//! network), and the [`Netavark`] adapter that runs it as Podman does
//! (`netavark --config RUNDIR --rootless=false --aardvark-binary=… setup|teardown NETNS`).
//!
//! The JSON is netavark 1.4's (`src/network/types.rs`): `networks` is a map by network name,
//! `network_info` holds the full definition of each, as stored in the network's file.

mod adapter;
mod types;

pub use adapter::{Netavark, NetavarkError, AARDVARK_BINARY, NETAVARK_BINARY};
pub use types::{NetAddress, NetInterface, NetavarkOptions, PerNetworkOptions, StatusBlock};
