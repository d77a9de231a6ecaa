//! Local image commands: `images`, `tag`, `untag`, `rmi`, and the `image` group.

use std::io::IsTerminal;

use chrono::Utc;
use clap::{Args, Subcommand};
use image::ImageRecord;
use libpod::images::Removal;
use serde_json::{json, Value};

use super::{import, pull};
use crate::failure::{join_errors, CommandFailure, CommandResult};
use crate::global::GlobalArgs;

const DEFAULT_FORMAT: &str = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Created}}\t{{.Size}}";

#[derive(Debug, Args)]
pub struct ImagesArgs {
    /// Show all images (rpod keeps no intermediate images, so this changes nothing)
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Print only image IDs
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Show manifest digests
    #[arg(long)]
    pub digests: bool,
    /// Do not truncate IDs
    #[arg(long)]
    pub no_trunc: bool,
    /// Go template or json
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Only images matching: dangling=true|false
    #[arg(short = 'f', long = "filter", value_name = "FILTER")]
    pub filters: Vec<String>,
    /// Do not print the header row
    #[arg(short = 'n', long)]
    pub noheading: bool,
}

pub fn images(args: ImagesArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    let filter = image::filter::ImageFilter::parse(&args.filters)?;
    let store = image::Store::open(&global.root_dir())?;
    let records: Vec<ImageRecord> = store.list()?.into_iter().filter(|r| filter.matches(r)).collect();
    if args.quiet {
        let mut seen = std::collections::HashSet::new();
        for record in &records {
            if seen.insert(&record.id) {
                println!(
                    "{}",
                    if args.no_trunc { format!("sha256:{}", record.id) } else { record.id[..12].to_string() }
                );
            }
        }
        return Ok(0);
    }
    if args.format.as_deref() == Some("json") {
        let containers = global.open_store()?;
        let mut entries = Vec::with_capacity(records.len());
        for record in &records {
            let users = containers.containers_using_image(&record.id)?.len();
            entries.push(image::inspect::ImageSummary::new(record, users));
        }
        println!("{}", report::to_json_pretty(&entries)?);
        return Ok(0);
    }
    let rows: Vec<Value> = records.iter().flat_map(|r| rows(r, args.no_trunc)).collect();
    let format = match (&args.format, args.digests) {
        (Some(format), _) => format.clone(),
        (None, true) => DEFAULT_FORMAT.replace("{{.Tag}}\t", "{{.Tag}}\t{{.Digest}}\t"),
        (None, false) => DEFAULT_FORMAT.to_string(),
    };
    let headers = json!({"Repository": "REPOSITORY", "Tag": "TAG", "ID": "IMAGE ID", "Created": "CREATED", "Size": "SIZE", "Digest": "DIGEST"});
    let text = report::render_user_format(&report::podman_types::IMAGES, &format, &rows, &headers)?;
    let is_table = report::is_table_format(&format);
    print!("{}", if args.noheading && is_table { text.split_once('\n').map_or("", |(_, rest)| rest) } else { &text });
    Ok(0)
}

/// One row per name, `<none>` for a dangling image, as Podman lists them.
fn rows(record: &ImageRecord, no_trunc: bool) -> Vec<Value> {
    let id = if no_trunc { format!("sha256:{}", record.id) } else { record.id[..12].to_string() };
    let created = format!("{} ago", report::human_duration((Utc::now() - record.created).num_seconds()));
    let names: Vec<(String, String)> =
        if record.names.is_empty() { vec![("<none>".into(), "<none>".into())] } else { record.repo_tags() };
    names
        .into_iter()
        .map(|(repository, tag)| {
            json!({"Repository": repository, "Tag": tag, "ID": id, "Created": created, "Size": report::human_size(record.size),
                   "Digest": record.manifest_digest, "Dangling": record.names.is_empty()})
        })
        .collect()
}

/// `image inspect` JSON with Podman's keys.
fn inspect_json(record: &ImageRecord) -> anyhow::Result<Value> {
    Ok(serde_json::to_value(image::inspect::ImageInspect::from(record))?)
}

#[derive(Debug, Args)]
pub struct TagArgs {
    /// Image to name
    #[arg(value_name = "IMAGE")]
    pub image: String,
    /// New names
    #[arg(value_name = "NAME", required = true)]
    pub names: Vec<String>,
}

pub fn tag(args: TagArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    let store = image::Store::open(&global.root_dir())?;
    let record = store.lookup(&args.image)?.ok_or_else(|| image::Error::NotKnown(args.image.clone()))?;
    // Every name is checked before any is given, so a bad one changes nothing.
    let names = args.names.iter().map(|n| image::store::normalize_tag(n)).collect::<Result<Vec<_>, _>>()?;
    for name in &names {
        store.tag(&record.id, name)?;
    }
    Ok(0)
}

#[derive(Debug, Args)]
pub struct UntagArgs {
    /// Image to take names from
    #[arg(value_name = "IMAGE")]
    pub image: String,
    /// Names to remove (default: all of the image's names)
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
}

pub fn untag(args: UntagArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    let store = image::Store::open(&global.root_dir())?;
    let record = store.lookup(&args.image)?.ok_or_else(|| image::Error::NotKnown(args.image.clone()))?;
    let names = if args.names.is_empty() {
        record.names.clone()
    } else {
        args.names.iter().map(|n| image::store::normalize(n)).collect::<Result<Vec<_>, _>>()?
    };
    // Every name must be this image's before any goes, so a typo changes nothing.
    if let Some(missing) = names.iter().find(|n| !record.names.contains(n)) {
        return Err(image::Error::TagNotKnown(missing.clone()).into());
    }
    for name in &names {
        store.untag(name)?;
    }
    Ok(0)
}

#[derive(Debug, Args)]
pub struct RmiArgs {
    /// Also remove containers that use the image
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Remove all images
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Images to remove, by name or ID
    #[arg(value_name = "IMAGE")]
    pub images: Vec<String>,
}

/// Like `podman rmi`: every argument is tried; errors are reported together at the end (images
/// not found first), and the exit code says what went wrong: 1 an image did not exist, 2 an
/// image is in use by a container, 125 anything else.
pub fn rmi(args: RmiArgs, global: &GlobalArgs) -> CommandResult {
    let images = image::Store::open(&global.root_dir())?;
    let store = global.open_store()?;
    if args.images.is_empty() && !args.all {
        return Err(anyhow::anyhow!("image name or ID must be specified").into());
    }
    let mut errors: Vec<libpod::Error> = Vec::new();
    for target in &args.images {
        match libpod::images::remove_image(&store, &images, target, args.force) {
            Ok(removal) => print_removal(removal),
            Err(err) => errors.push(err),
        }
    }
    if args.all {
        for record in images.list()? {
            match libpod::images::delete_image(&store, &images, record, args.force) {
                Ok(removal) => print_removal(removal),
                Err(err) => errors.push(err),
            }
        }
    }
    images.prune_blobs()?;
    if errors.is_empty() {
        return Ok(0);
    }
    errors.sort_by_key(|err| rmi_exit_code(err) != 1);
    let code = errors.iter().map(rmi_exit_code).max().unwrap_or(125);
    let joined = join_errors(&errors).unwrap_or_default();
    Err(CommandFailure::with_code(code, anyhow::anyhow!(joined)))
}

/// Podman's exit code for one `rmi` failure.
fn rmi_exit_code(err: &libpod::Error) -> u8 {
    match err {
        libpod::Error::Image(image::Error::NotKnown(_)) => 1,
        libpod::Error::Image(image::Error::InUse { .. }) => 2,
        _ => 125,
    }
}

fn print_removal(removal: Removal) {
    match removal {
        Removal::Untagged(name) => println!("Untagged: {name}"),
        Removal::Deleted { id, untagged } => {
            for name in untagged {
                println!("Untagged: {name}");
            }
            println!("Deleted: {id}");
        }
    }
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Remove every image no container uses, not only dangling ones
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Do not ask for confirmation
    #[arg(short = 'f', long)]
    pub force: bool,
}

/// Removes dangling images (the old image an update or a re-tag left without a name) that no
/// container uses, then every blob and unpacked layer no image needs. The image a name had
/// before its last auto-update is kept (see `image::previous`): a rollback needs it.
pub fn prune(args: PruneArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    if !args.force && std::io::stdin().is_terminal() {
        eprint!("WARNING! This command removes all dangling images.\nAre you sure you want to continue? [y/N] ");
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !answer.trim().eq_ignore_ascii_case("y") {
            return Ok(0);
        }
    }
    let images = image::Store::open(&global.root_dir())?;
    let store = global.open_store()?;
    for record in images.list()? {
        let unused = store.containers_using_image(&record.id)?.is_empty();
        if unused && (args.all || record.names.is_empty()) && !images.is_previous(&record.id)? {
            images.remove(&record.id)?;
            println!("{}", record.id);
        }
    }
    images.prune_blobs()?;
    Ok(0)
}

#[derive(Debug, Args)]
pub struct ImageInspectArgs {
    /// Go template, or json
    #[arg(short = 'f', long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Images to inspect
    #[arg(value_name = "IMAGE", required = true)]
    pub images: Vec<String>,
}

pub fn inspect(args: ImageInspectArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    let store = image::Store::open(&global.root_dir())?;
    let mut values = Vec::new();
    for name in &args.images {
        let record = store.lookup(name)?.ok_or_else(|| image::Error::NotKnown(name.clone()))?;
        values.push(inspect_json(&record)?);
    }
    match args.format.as_deref() {
        None | Some("json") => println!("{}", report::to_json_pretty(&values)?),
        Some(format) => print!(
            "{}",
            report::render_user_format(&report::podman_types::INSPECT_IMAGE, format, &values, &Value::Null)?
        ),
    }
    Ok(0)
}

#[derive(Debug, Args)]
pub struct ImageExistsArgs {
    /// Image name or ID
    #[arg(value_name = "IMAGE")]
    pub image: String,
}

fn exists(args: ImageExistsArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    let store = image::Store::open(&global.root_dir())?;
    Ok(if store.lookup(&args.image)?.is_some() { 0 } else { 1 })
}

#[derive(Debug, Args)]
pub struct ImageArgs {
    #[command(subcommand)]
    pub command: ImageCommand,
}

#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Exit 0 when the image exists, 1 when it does not
    Exists(ImageExistsArgs),
    /// Create an image from a root filesystem tarball
    Import(import::ImportArgs),
    /// Show images' configuration as JSON
    Inspect(ImageInspectArgs),
    /// List images
    #[command(alias = "ls", alias = "list")]
    Images(ImagesArgs),
    /// Remove dangling (or, with -a, all unused) images
    Prune(PruneArgs),
    /// Pull an image from a registry
    Pull(pull::PullArgs),
    /// Push an image to a registry
    Push(pull::PushArgs),
    /// Remove images
    Rm(RmiArgs),
    /// Add names to an image
    Tag(TagArgs),
    /// Remove names from an image
    Untag(UntagArgs),
}

pub fn image(args: ImageArgs, global: &GlobalArgs) -> CommandResult {
    match args.command {
        ImageCommand::Exists(args) => Ok(exists(args, global)?),
        ImageCommand::Import(args) => Ok(import::run(args, global)?),
        ImageCommand::Inspect(args) => Ok(inspect(args, global)?),
        ImageCommand::Images(args) => Ok(images(args, global)?),
        ImageCommand::Prune(args) => Ok(prune(args, global)?),
        ImageCommand::Pull(args) => Ok(pull::pull(args, global)?),
        ImageCommand::Push(args) => Ok(pull::push(args, global)?),
        ImageCommand::Rm(args) => Ok(rmi(args, global)?),
        ImageCommand::Tag(args) => Ok(tag(args, global)?),
        ImageCommand::Untag(args) => Ok(untag(args, global)?),
    }
}
