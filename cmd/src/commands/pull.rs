//! `rpod pull` and `rpod push`.

use clap::Args;
use image::RawImageName;

use crate::global::GlobalArgs;
use crate::pull_progress;
use crate::registry_access::{self, RegistryArgs};

#[derive(Debug, Args)]
pub struct PullArgs {
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// Platform to pull from a multi-arch image, os/arch[/variant] (default: this machine's)
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Option<String>,
    /// Trust the CA certificates (*.crt) in this directory for the registry (default: certs.d)
    #[arg(long, value_name = "PATH")]
    pub cert_dir: Option<std::path::PathBuf>,
    /// Print nothing but the image ID
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Image to pull, with its registry (e.g. quay.io/libpod/alpine:latest)
    #[arg(value_name = "IMAGE")]
    pub image: RawImageName,
}

pub fn pull(args: PullArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    let platform = match &args.platform {
        Some(text) => registry::parse_platform(text)
            .ok_or_else(|| anyhow::anyhow!("invalid platform {text:?}: want os/arch[/variant]"))?,
        None => image::Platform::host(),
    };
    let registry = args.registry.registry_with_cert_dir(args.cert_dir.as_deref(), &global.host)?;
    let store = image::Store::open(&global.root_dir())?;
    let progress = pull_progress::stderr(args.quiet);
    let record =
        registry_access::block_on(registry::pull_image(&registry, &store, &args.image, &platform, progress.as_ref()))??;
    println!("{}", record.id);
    Ok(0)
}

#[derive(Debug, Args)]
pub struct PushArgs {
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// Trust the CA certificates (*.crt) in this directory for the registry (default: certs.d)
    #[arg(long, value_name = "PATH")]
    pub cert_dir: Option<std::path::PathBuf>,
    /// Local image to push
    #[arg(value_name = "IMAGE")]
    pub image: RawImageName,
    /// Where to push it (default: the image name itself)
    #[arg(value_name = "DESTINATION")]
    pub destination: Option<RawImageName>,
}

pub fn push(args: PushArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    let store = image::Store::open(&global.root_dir())?;
    let record = store.find(&args.image)?.ok_or_else(|| image::Error::NotKnown(args.image.to_string()))?;
    let destination = args.destination.as_ref().unwrap_or(&args.image).reference()?;
    let registry = args.registry.registry_with_cert_dir(args.cert_dir.as_deref(), &global.host)?;
    let progress = pull_progress::Lines { quiet: false };
    registry_access::block_on(registry.push(&record, &store, destination, &progress))??;
    Ok(0)
}
