//! `rpod version`.

use clap::Args;

use crate::global::GlobalArgs;

#[derive(Debug, Args)]
pub struct VersionArgs {}

pub fn run(_args: VersionArgs, _global: &GlobalArgs) -> anyhow::Result<u8> {
    println!("Version:      {}", env!("CARGO_PKG_VERSION"));
    Ok(0)
}
