//! `rpod run`: create a container and start it, attached to its output or detached (`-d`).

use std::io::{Read, Seek, SeekFrom, Write};

use clap::Args;

use super::create::{self, CreateArgs};
use crate::global::GlobalArgs;
use crate::go_flags;

/// Podman's exit codes when the container's command cannot run.
const EXIT_NOT_EXECUTABLE: u8 = 126;
const EXIT_NOT_FOUND: u8 = 127;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Run in the background and print the container ID
    #[arg(short = 'd', long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_flags::parse_bool)]
    pub detach: Option<bool>,
    #[command(flatten)]
    pub create: CreateArgs,
}

pub fn run(args: RunArgs, global: &GlobalArgs) -> anyhow::Result<u8> {
    let config = create::create(&args.create, global)?;
    let store = global.open_store()?;
    let container = store.lookup(&config.id)?;
    let started = libpod::start::start_container(&store, &container, &global.monitor_command()?, &|w| tracing::warn!("{w}"));
    if let Err(err) = started {
        if config.auto_remove {
            let _ = libpod::lifecycle::remove_container(&store, &container, true, None);
        }
        return match command_failure_code(&err) {
            Some(code) => {
                eprintln!("Error: {err}");
                Ok(code)
            }
            None => Err(err.into()),
        };
    }
    if args.detach.unwrap_or(false) {
        println!("{}", config.id);
        return Ok(0);
    }
    follow_output(&store, &config.log_path, &config.id)
}

/// Copies the container's log to stdout until the container exits; returns its exit code.
pub fn follow_output(store: &libpod::Store, log_path: &str, id: &str) -> anyhow::Result<u8> {
    let mut offset = 0u64;
    loop {
        let running = matches!(store.lookup(id), Ok(c) if c.state.state == libpod::ContainerStatus::Running);
        offset = copy_new_output(log_path, offset)?;
        if !running {
            let code = libpod::start::wait_for_container(store, id)?;
            copy_new_output(log_path, offset)?;
            return Ok(u8::try_from(code).unwrap_or(255));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

fn copy_new_output(path: &str, offset: u64) -> anyhow::Result<u64> {
    let Ok(mut file) = std::fs::File::open(path) else { return Ok(offset) };
    file.seek(SeekFrom::Start(offset))?;
    let mut new = Vec::new();
    file.read_to_end(&mut new)?;
    std::io::stdout().write_all(&new)?;
    std::io::stdout().flush()?;
    Ok(offset + new.len() as u64)
}

/// Podman's 127 (command not found) and 126 (not executable) for a command that cannot start.
fn command_failure_code(err: &libpod::Error) -> Option<u8> {
    let text = err.to_string();
    if text.contains("executable file not found") || text.contains("no such file or directory") {
        Some(EXIT_NOT_FOUND)
    } else if text.contains("permission denied") {
        Some(EXIT_NOT_EXECUTABLE)
    } else {
        None
    }
}
