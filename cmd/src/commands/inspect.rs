//! `rpod inspect` / `rpod container inspect`: containers as Podman's JSON, or through `--format`.

use anyhow::Context;
use clap::Args;
use libpod::inspect::InspectContainer;

use crate::global::GlobalArgs;

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Go template applied to each container (e.g. '{{.Config.CreateCommand}}'), or json
    #[arg(short = 'f', long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Containers to inspect, by name or ID
    #[arg(value_name = "CONTAINER", required = true)]
    pub containers: Vec<String>,
}

pub fn run(args: InspectArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    let store = global.open_store()?;
    let mut found = Vec::new();
    for name in &args.containers {
        let container = libpod::Runtime::on_host(&store, None).refreshed(store.lookup(name)?)?;
        found.push(InspectContainer::from(&container).with_mounts(&container, &store).with_health(&container, &store));
    }
    let values =
        found.iter().map(serde_json::to_value).collect::<Result<Vec<_>, _>>().context("encoding inspect data")?;
    match args.format.as_deref() {
        None | Some("json") => println!("{}", report::to_json_pretty(&values)?),
        Some(format) => print!(
            "{}",
            report::render_user_format(
                &report::podman_types::INSPECT_CONTAINER,
                format,
                &values,
                &serde_json::Value::Null
            )?
        ),
    }
    Ok(0)
}
