//! Running containers: the OCI runtime driver, the bundle (spec + root filesystem), the
//! per-container monitor and systemd readiness notification.

pub mod monitor;
pub mod notify;
pub mod oci;
pub mod rootfs;
pub mod spec;
