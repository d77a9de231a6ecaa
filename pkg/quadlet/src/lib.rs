//! Quadlet for rpod: `.container`, `.volume` and `.network` files (Podman's Quadlet format,
//! read with systemd's unit-file syntax) become systemd services that run rpod. The
//! `rpod-quadlet` binary is the systemd generator; `rpod quadlet` manages the files.
//!
//! - [`unitfile`] and [`split`]: the syntax (groups, continuations, quoting, escapes).
//! - [`convert`]: one file to one service, as Podman 5's quadlet converts it.
//! - [`dirs`], [`generator`], [`install`]: where files are found, a whole generator run, the
//!   `[Install]` links.

pub mod convert;
pub mod csv;
pub mod dirs;
pub mod generator;
pub mod image_name;
pub mod install;
pub mod manage;
pub mod split;
pub mod unitfile;
