//! The per-container monitor, rpod's conmon: a detached process (a re-exec of rpod) that owns
//! the container for its whole life. It prepares the bundle, creates and starts the container
//! with the first OCI runtime that works, tells systemd the container is up, writes its output
//! to the log, waits for it to exit, records the exit code and cleans up (removing the container
//! when it was made with `--rm`).
//!
//! A re-exec of rpod rather than Debian's conmon: the monitor must write libpod's SQLite state
//! and speak sd_notify exactly as rpod's units expect, which conmon cannot do without Podman.
//!
//! It reports to the `start` that spawned it over an inherited pipe: `warn: …` lines, then
//! `ok` once the container runs, or an error line ([`Error::monitor_report`]).
//!
//! With `-i` or `-t` it also holds the container's input ([`crate::runtime::stdio`]: a stdin
//! pipe, or the terminal the runtime sends to its console socket, copied into the log) and
//! serves the attach socket ([`crate::runtime::attach`]) through which foreground clients type
//! into the container.
//!
//! This module is the monitor's process-level part (subreaper, `waitpid`, bundle, sd_notify);
//! what to do after an exit — restart, or record it and remove a `--rm` container — is decided
//! by [`Runtime::restart_policy_after_exit`] and [`Runtime::record_exit`], unit-tested there.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nix::unistd::Pid;

use crate::config::SdNotifyMode;
use crate::container::Runtime;
use crate::error::{Error, Result};
use crate::health::watch::{HealthWatch, ReadyWhenHealthy};
use crate::runtime::attach::{AttachListener, ATTACH_SOCKET};
use crate::runtime::oci::OciRuntime;
use crate::runtime::reaper::{self, Reaper};
use crate::runtime::stdio::{ContainerInput, LaunchStdio, Output};
use crate::runtime::{notify, oci, rootfs, spec};
use crate::state::{ContainerState, ContainerStatus};
use crate::store::Store;

/// Runs the monitor of container `id`, reporting progress on `report` (the pipe to `start`).
pub fn run(store: &Store, id: &str, requested_runtime: Option<&str>, mut report: std::fs::File) -> Result<()> {
    let input = Arc::new(ContainerInput::default());
    let launched =
        serve_attach(store, id, &input).and_then(|()| launch(store, id, requested_runtime, &input, &mut report));
    let mut started = match launched {
        Ok(started) => started,
        Err(err) => {
            let _ = writeln!(report, "{}", err.monitor_report());
            release_run(store, id);
            return Err(err);
        }
    };
    let _ = writeln!(report, "ok");
    drop(report);
    let lifecycle = Runtime::on_host(store, None);
    let mut restarts = 0;
    let reaper = Arc::new(Reaper::default());
    let ready = ready_when_healthy(store, id);
    let exit_code = loop {
        let health = HealthWatch::start(store, id, started.started_at, reaper.clone(), ready.clone());
        let exit_code = wait_for_exit(&reaper, started.pid);
        health.stop();
        crate::runtime::cgroup::note_oom_kills(store, id);
        let _ = started.runtime.delete(id, true);
        input.disconnect();
        started.output.finish();
        release_run(store, id);
        let Some(policy) = lifecycle.restart_policy_after_exit(id, exit_code, restarts) else { break exit_code };
        restarts += 1;
        let mut quiet = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .map_err(|source| Error::Io { path: "/dev/null".into(), source })?;
        match launch(store, id, requested_runtime, &input, &mut quiet) {
            Ok(again) => started = again,
            Err(err) => {
                tracing::warn!("restarting container {id} (--restart={policy}): {err}");
                release_run(store, id);
                break exit_code;
            }
        }
    };
    lifecycle.record_exit(id, exit_code)
}

/// Gives back what one run of the container held on the host (after its exit, or a launch that
/// failed half-way): its root filesystem, its volumes' own filesystems (unmounted when no other
/// container holds them) and its network. A failure is logged; the next `start` or `rm` tries
/// the network again.
fn release_run(store: &Store, id: &str) {
    rootfs::release(store, id);
    let container = match store.lookup(id) {
        Ok(container) => container,
        Err(Error::NoSuchContainer(_)) => return,
        Err(err) => return tracing::warn!("container {id}: {err}"),
    };
    if let Err(err) = crate::mounts::volumes::release_volumes(store, &container.config) {
        tracing::warn!("container {id}: {err}");
    }
    match Runtime::on_host(store, None).detach_network(&container) {
        Ok(()) | Err(Error::NoSuchContainer(_)) => {}
        Err(err) => tracing::warn!("tearing down the network of container {id}: {err}"),
    }
}

struct Started {
    pid: i32,
    started_at: chrono::DateTime<chrono::Utc>,
    runtime: oci::RuntimeBinary,
    output: Output,
}

/// Binds the attach socket of a container made with `-i` or `-t`, once for all its launches:
/// clients connect after `start` returns, so it is ready before the monitor reports `ok`.
fn serve_attach(store: &Store, id: &str, input: &Arc<ContainerInput>) -> Result<()> {
    let config = store.lookup(id)?.config;
    if !config.stdin && !config.terminal {
        return Ok(());
    }
    let run_dir = create_run_dir(store, id)?;
    let listener =
        AttachListener::bind(&run_dir).map_err(|source| Error::Io { path: run_dir.join(ATTACH_SOCKET), source })?;
    listener.serve(input.clone());
    Ok(())
}

fn create_run_dir(store: &Store, id: &str) -> Result<PathBuf> {
    let run_dir = store.runtime_dir(id);
    privatefs::create_dir_all(&run_dir).map_err(|source| Error::CreateDir { path: run_dir.clone(), source })?;
    Ok(run_dir)
}

fn launch(
    store: &Store,
    id: &str,
    requested_runtime: Option<&str>,
    input: &ContainerInput,
    report: &mut std::fs::File,
) -> Result<Started> {
    let container = store.lookup(id)?;
    let config = &container.config;
    let run_dir = create_run_dir(store, id)?;
    let monitor_pid = std::process::id();
    let pid_file = if config.conmon_pid_file.is_empty() {
        store.monitor_pid_file(id)
    } else {
        PathBuf::from(&config.conmon_pid_file)
    };
    write_file(&pid_file, &monitor_pid.to_string())?;
    nix::sys::prctl::set_child_subreaper(true).map_err(|e| Error::Monitor(format!("becoming a subreaper: {e}")))?;

    let rootfs = rootfs::prepare(store, id, &config.rootfs_image_id)?;
    let systemd = match config.sdnotify_mode {
        SdNotifyMode::Ignore => None,
        _ => notify::systemd_socket(),
    };
    let relay_socket = match (&systemd, config.sdnotify_mode) {
        (Some(target), SdNotifyMode::Container) => Some(start_relay(&run_dir, target.clone(), monitor_pid)?),
        _ => None,
    };
    let network = Runtime::on_host(store, None).attach_network(id)?;
    let mut spec = spec::build_spec(config, &rootfs, relay_socket.as_deref())?;
    if !network.netns.is_empty() {
        crate::network::spec::join_namespace(&mut spec, Path::new(&network.netns));
    }
    crate::mounts::volumes::mount_volumes(store, config, &rootfs, &mut spec)?;
    let bind_mounts = crate::runtime::etc_files::install(&run_dir, config, &network, &mut spec)?;
    // The spec holds the container's environment: private, like the database it came from.
    let spec_json = serde_json::to_vec(&spec).map_err(|e| Error::Spec(e.to_string()))?;
    let spec_path = run_dir.join("config.json");
    privatefs::write(&spec_path, spec_json).map_err(|source| Error::Io { path: spec_path, source })?;

    let log_path = if config.log_path.is_empty() { store.container_log(id) } else { PathBuf::from(&config.log_path) };
    let container_pid_file = store.container_pid_file(id);
    let stdio = LaunchStdio::prepare(config, &run_dir, &log_path).map_err(Error::Stdio)?;
    let runtime = create_with_first_working_runtime(
        store,
        id,
        requested_runtime.or(non_empty(&config.oci_runtime)),
        &run_dir,
        &container_pid_file,
        &stdio,
        report,
    )?;
    let output = match stdio.connect(input) {
        Ok(output) => output,
        Err(source) => {
            let _ = runtime.delete(id, true);
            return Err(Error::Stdio(source));
        }
    };
    runtime.start(id)?;
    let pid: i32 = std::fs::read_to_string(&container_pid_file)
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .ok_or_else(|| Error::Monitor(format!("{} wrote no container PID", runtime.name())))?;
    let started_at = chrono::Utc::now();
    let state = ContainerState {
        state: ContainerStatus::Running,
        pid,
        conmon_pid: monitor_pid as i32,
        started_time: Some(started_at),
        runtime: runtime.name().to_string(),
        bind_mounts,
        network,
        ..Default::default()
    };
    store.update_state(id, &state)?;
    if config.health_check().is_some() {
        // Each start begins a new start period: the status says `starting` again (Podman).
        let log = crate::health::log_file(store, config);
        log.update(|r| r.status = health::HealthStatus::Starting).map_err(crate::health::HealthCheckError::from)?;
    }
    if let Some(target) = &systemd {
        let message = match config.sdnotify_mode {
            SdNotifyMode::Conmon => format!("MAINPID={monitor_pid}\nREADY=1\n"),
            _ => format!("MAINPID={monitor_pid}\n"),
        };
        notify::send(target, &message)
            .map_err(|e| Error::Monitor(format!("notifying systemd at {}: {e}", target.display())))?;
    }
    Ok(Started { pid, started_at, runtime, output })
}

/// Tries the candidate runtimes in order: a runtime that cannot create containers on this host
/// (crun 1.8 on a hybrid cgroup layout) is reported and the next one is used. A runtime counts
/// as broken only when a later one succeeds with the same bundle; when all fail, the fault is
/// the container's (a missing command, say) and the last runtime's error is returned.
fn create_with_first_working_runtime(
    store: &Store,
    id: &str,
    requested: Option<&str>,
    bundle: &Path,
    pid_file: &Path,
    stdio: &LaunchStdio,
    report: &mut std::fs::File,
) -> Result<oci::RuntimeBinary> {
    let state_dir = store.runtime_state_dir();
    let log_path = stdio.log_path();
    let mut failed: Vec<(oci::RuntimeBinary, Error)> = Vec::new();
    for runtime in oci::candidates(requested, &state_dir)? {
        if let Some((_, err)) = failed.last() {
            let _ = writeln!(report, "warn: {err}; trying {}", runtime.name());
        }
        let output = privatefs::options()
            .create(true)
            .append(true)
            .open(log_path)
            .map_err(|source| Error::Io { path: log_path.to_path_buf(), source })?;
        privatefs::tighten_file(&output).map_err(|source| Error::Io { path: log_path.to_path_buf(), source })?;
        let log_length = output.metadata().map(|m| m.len()).unwrap_or(0);
        let for_runtime = output.try_clone().map_err(|source| Error::Io { path: log_path.to_path_buf(), source })?;
        match runtime.create(id, bundle, pid_file, stdio.for_runtime(for_runtime).map_err(Error::Stdio)?) {
            Ok(()) => {
                for (broken, err) in &failed {
                    oci::remember_broken(broken, &state_dir, err);
                }
                return Ok(runtime);
            }
            Err(err) => {
                // The runtime printed its complaint into the container's log: take it back out.
                let _ = output.set_len(log_length);
                let _ = runtime.delete(id, true);
                stdio.after_failed_create();
                failed.push((runtime, err));
            }
        }
    }
    Err(failed.pop().map(|(_, err)| err).unwrap_or_else(|| Error::NoRuntime("crun, runc".into())))
}

fn start_relay(run_dir: &Path, systemd: PathBuf, monitor_pid: u32) -> Result<PathBuf> {
    let dir = run_dir.join("notify");
    privatefs::create_dir_all(&dir).map_err(|source| Error::CreateDir { path: dir.clone(), source })?;
    let path = dir.join("notify.sock");
    let _ = std::fs::remove_file(&path);
    let socket = notify::bind(&path).map_err(|source| Error::Io { path: path.clone(), source })?;
    notify::spawn_relay(socket, systemd, monitor_pid);
    Ok(path)
}

/// Reaps children (the monitor is their subreaper, but leaves the health checks' own to them)
/// until the container's process exits; returns its exit code, `128 + signal` when a signal
/// ended it.
fn wait_for_exit(reaper: &Reaper, pid: i32) -> i32 {
    loop {
        match reaper.wait_any() {
            Ok(status) => match reaper::exit_code_of(status, pid) {
                Some(code) => return code,
                None => continue,
            },
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => return wait_for_foreign_exit(pid),
        }
    }
}

/// `--sdnotify=healthy` under systemd: the `READY=1` the health checks owe it.
fn ready_when_healthy(store: &Store, id: &str) -> Option<Arc<ReadyWhenHealthy>> {
    let healthy = store.lookup(id).is_ok_and(|c| c.config.sdnotify_mode == SdNotifyMode::Healthy);
    let socket = notify::systemd_socket().filter(|_| healthy)?;
    Some(Arc::new(ReadyWhenHealthy::new(socket, std::process::id())))
}

/// The container process is not our child (it was reparented elsewhere): poll until it is gone.
fn wait_for_foreign_exit(pid: i32) -> i32 {
    while nix::sys::signal::kill(Pid::from_raw(pid), None).is_ok() {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    -1
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        privatefs::create_dir_all(dir).map_err(|source| Error::CreateDir { path: dir.to_path_buf(), source })?;
    }
    privatefs::write(path, text).map_err(|source| Error::Io { path: path.to_path_buf(), source })
}

fn non_empty(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}
