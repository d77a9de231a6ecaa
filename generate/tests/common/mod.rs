//! Builders shared by the whole-unit table tests, which are Podman 5.x's
//! `pkg/systemd/generate/containers_test.go` cases with rpod's executable and header.
//! (Podman's pod cases — `BindsTo=` and `--pod-id-file` — have no counterpart: rpod has no pods.
//! Its `--new` cases set `RequiresMountsFor=` by hand; a real `--new` unit says `%t/containers`.)

#![allow(dead_code)] // each test file uses its own subset

pub mod systemd_parse;
pub mod verify;

use generate::{container_unit, EnvVar, UnitOptions};
use libpod::ContainerConfig;

/// The container ID of Podman's cases.
pub const ID: &str = "639c53578af4d84b8800b4635fa4e680ee80fd67e0e6a2d4eea48d1e3230f401";

/// One row: a container and options in, the exact unit text out.
pub struct Case {
    pub name: &'static str,
    pub cfg: ContainerConfig,
    pub opts: UnitOptions,
    pub want: &'static str,
}

/// A container named `name` (or with the ID when `name` is [`ID`]).
pub fn container(name: &str, stop_timeout: u32, create_command: &[&str], env: &[&str]) -> ContainerConfig {
    serde_json::from_value(serde_json::json!({
        "id": ID,
        "name": name,
        "CreateCommand": create_command,
        "stopTimeout": stop_timeout,
        "createdTime": "2023-01-04T10:19:52Z",
        "env": env,
        "conmonPidFile": format!("/run/containers/storage/overlay-containers/{ID}/userdata/conmon.pid"),
    }))
    .expect("the test config is valid JSON for ContainerConfig")
}

/// Options of a unit without `--new`, like Podman's test (`RunRoot=/var/run/containers/storage`).
pub fn existing(use_name: bool, prefix: &str) -> UnitOptions {
    UnitOptions {
        executable: "/usr/bin/rpod".to_string(),
        generator_version: "CI".to_string(),
        use_name,
        container_prefix: prefix.to_string(),
        run_root: "/var/run/containers/storage".to_string(),
        ..UnitOptions::default()
    }
}

/// Options of a `--new` unit.
pub fn new(use_name: bool, prefix: &str) -> UnitOptions {
    UnitOptions { new: true, ..existing(use_name, prefix) }
}

/// `a.service b.service c.target`, Podman's user-defined dependencies.
pub fn deps() -> Vec<String> {
    ["a.service", "b.service", "c.target"].iter().map(|d| d.to_string()).collect()
}

pub fn env_vars(pairs: &[(&str, &str)]) -> Vec<EnvVar> {
    pairs.iter().map(|(name, value)| EnvVar { name: name.to_string(), value: value.to_string() }).collect()
}

/// Generates every case and compares the whole text; then has systemd parse each unit (with an
/// executable that exists, as systemd-analyze checks that too).
pub fn check(cases: Vec<Case>) {
    let mut files = Vec::new();
    for (index, case) in cases.into_iter().enumerate() {
        let unit = container_unit(&case.cfg, &case.opts).unwrap_or_else(|err| panic!("{}: {err}", case.name));
        assert_eq!(unit.text, case.want, "case {:?}", case.name);
        let runnable = UnitOptions { executable: "/bin/true".to_string(), ..case.opts };
        let unit = container_unit(&case.cfg, &runnable).unwrap_or_else(|err| panic!("{}: {err}", case.name));
        let at = if unit.template { "@" } else { "" };
        files.push((format!("case{index}{at}.service"), unit.text));
    }
    verify::verify_units(&files);
}
