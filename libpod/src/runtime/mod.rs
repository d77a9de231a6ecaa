//! Running containers: the side effects the lifecycle has on the host, each behind a small
//! trait with one real implementation — the OCI runtime driver ([`oci`]), the clock
//! ([`clock`]), the monitor processes ([`monitor_process`]) — plus the bundle (spec + root
//! filesystem), the containers' standard streams ([`stdio`], [`console`], [`attach`]) and
//! systemd readiness notification. Nothing here depends on
//! [`crate::container`] or [`crate::monitor`], which use it.

pub mod attach;
pub mod cgroup;
pub mod clock;
pub mod console;
pub mod etc_files;
pub mod exec_stderr;
pub mod monitor_process;
pub mod notify;
pub mod oci;
pub mod procfs;
pub mod reaper;
pub mod resources;
pub mod rootfs;
pub mod spec;
pub mod stdio;
