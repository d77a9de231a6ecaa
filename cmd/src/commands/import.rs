//! `rpod import`: make an image from a root filesystem tarball.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use image::import::Change;

use crate::global::GlobalArgs;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Apply a Dockerfile instruction: CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, STOPSIGNAL (repeatable)
    #[arg(short = 'c', long = "change", value_name = "INSTRUCTION")]
    pub changes: Vec<String>,
    /// Suppress progress output (rpod prints none; the image ID is still printed, as by Podman)
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Tarball of the root filesystem (plain or gzip); - reads standard input
    #[arg(value_name = "TARBALL")]
    pub tarball: PathBuf,
    /// Name to give the image, e.g. localhost/app:1
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
}

pub fn run(args: ImportArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    let changes = args.changes.iter().map(|c| Change::parse(c)).collect::<Result<Vec<_>, _>>()?;
    if let Some(name) = &args.name {
        image::store::normalize(name)?;
    }
    let store = image::Store::open(&global.root_dir())?;
    let record = if args.tarball.as_os_str() == "-" {
        store.import(std::io::stdin().lock(), args.name.as_deref(), &changes)?
    } else {
        let file = std::fs::File::open(&args.tarball).with_context(|| format!("opening {}", args.tarball.display()))?;
        store.import(file, args.name.as_deref(), &changes)?
    };
    println!("sha256:{}", record.id);
    Ok(0)
}
