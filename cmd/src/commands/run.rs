//! `rpod run`: create a container and start it, attached to its output (and with `-i`/`-t` its
//! input, see [`libpod::runtime::attach`]) or detached (`-d`).

use std::io::{Read, Write};

use clap::Args;
use libpod::runtime::attach::Attachment;

use super::create::{self, CreateArgs};
use crate::failure::{libpod_failure, CommandResult};
use crate::global::GlobalArgs;
use crate::go_flags;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Run in the background and print the container ID
    #[arg(short = 'd', long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_flags::parse_bool)]
    pub detach: Option<bool>,
    #[command(flatten)]
    pub create: CreateArgs,
}

/// Creates and starts the container; a command that cannot run fails with Podman's 127/126.
pub fn run(args: RunArgs, global: &GlobalArgs) -> CommandResult {
    let config = create::create(&args.create, global)?;
    let store = global.open_store()?;
    let container = store.lookup(&config.id)?;
    let output = ContainerOutput::open(&config.log_path);
    let started =
        libpod::Runtime::on_host(&store, Some(global.monitor_command()?)).start(&container, &|w| tracing::warn!("{w}"));
    if let Err(err) = started {
        if config.auto_remove {
            let _ = libpod::Runtime::on_host(&store, None).remove(&container, true, None);
            let _ = libpod::mounts::volumes::remove_anonymous(&store, &config);
        }
        return Err(libpod_failure(err));
    }
    if args.detach.unwrap_or(false) {
        println!("{}", config.id);
        return Ok(0);
    }
    let attachment = Attachment::open(&store, &container, true).map_err(libpod_failure)?;
    let code = follow_output(&store, output, &config.id, attachment)?;
    if config.auto_remove {
        // The monitor removes the anonymous volumes just after the container, which `run`
        // waits for: removed here too, `run --rm` returns with them gone, as Podman's.
        libpod::mounts::volumes::remove_anonymous(&store, &config).map_err(libpod_failure)?;
    }
    Ok(code)
}

/// The container's log, opened before its start so that an attached `run --rm`/`start -a`
/// still reads every line: the monitor of a `--rm` container deletes the log with the container
/// once it exits, and an open handle keeps reading what the file held.
pub struct ContainerOutput {
    path: String,
    file: Option<std::fs::File>,
}

impl ContainerOutput {
    /// Opens (creating it `0600` if the container never ran, as the monitor would) the log at
    /// `path`; when that fails the reads retry by path.
    pub fn open(path: &str) -> ContainerOutput {
        let file = privatefs::options().read(true).append(true).create(true).open(path).ok();
        ContainerOutput { path: path.to_string(), file }
    }

    /// Copies what the log gained since the last call to stdout.
    fn copy_new(&mut self) -> anyhow::Result<()> {
        if self.file.is_none() {
            self.file = std::fs::File::open(&self.path).ok();
        }
        let Some(file) = self.file.as_mut() else { return Ok(()) };
        let mut new = Vec::new();
        file.read_to_end(&mut new)?;
        std::io::stdout().write_all(&new)?;
        std::io::stdout().flush()?;
        Ok(())
    }
}

/// Copies the container's log to stdout until the container exits; returns its exit code.
/// An `attachment` (`-i`, `-t`) keeps sending input meanwhile, and the window size on every
/// tick; it is dropped (restoring the local terminal) on the way out, error or not.
pub fn follow_output(
    store: &libpod::Store,
    mut output: ContainerOutput,
    id: &str,
    mut attachment: Option<Attachment>,
) -> anyhow::Result<u8> {
    // Typing into a terminal wants its echo back within a blink; a tick reads the log and the
    // container's state, cheap enough at 50 a second while someone types.
    let tick = std::time::Duration::from_millis(if attachment.is_some() { 20 } else { 50 });
    loop {
        let running = matches!(store.lookup(id), Ok(c) if c.state.state == libpod::ContainerStatus::Running);
        output.copy_new()?;
        if !running {
            let code = libpod::Runtime::on_host(store, None).wait(id)?;
            output.copy_new()?;
            return Ok(u8::try_from(code).unwrap_or(255));
        }
        if let Some(attachment) = attachment.as_mut() {
            attachment.forward_resize();
        }
        std::thread::sleep(tick);
    }
}
