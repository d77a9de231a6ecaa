//! Whole `generate systemd --new` units from hostile create commands, container names,
//! environments and executable paths: whatever they hold, the unit has exactly the settings the
//! generator means to write (nothing injected), systemd runs exactly the rewritten argv, and the
//! `-e` values of `generate systemd` reach the service exactly. Inputs the generator refuses
//! (NUL bytes, names systemd cannot carry, create commands it cannot rewrite) are fine: an
//! error is never a corrupted unit.

#![no_main]

#[allow(dead_code)] // the specifier-free helpers are not needed here
#[path = "../../generate/tests/common/systemd_parse.rs"]
mod systemd_parse;

use arbitrary::Arbitrary;
use generate::{container_unit, rewrite_create_command, EnvVar, UnitOptions};
use libfuzzer_sys::fuzz_target;
use systemd_parse::{env_words, exec_argv, settings, values};

/// Every key a `--new` unit may hold.
const KEYS: &[&str] = &[
    "Description",
    "Documentation",
    "Wants",
    "After",
    "Requires",
    "RequiresMountsFor",
    "Environment",
    "Restart",
    "RestartSec",
    "StartLimitBurst",
    "TimeoutStartSec",
    "TimeoutStopSec",
    "ExecStartPre",
    "ExecStart",
    "ExecStop",
    "ExecStopPost",
    "PIDFile",
    "Type",
    "NotifyAccess",
    "WantedBy",
];
/// How the model expands the unit's own `--cidfile=%t/%n.ctr-id`.
const CIDFILE: &str = "--cidfile=/run/UNIT.service.ctr-id";

#[derive(Debug, Arbitrary)]
struct Input {
    name: String,
    executable: String,
    root_args: Vec<String>,
    run_args: Vec<String>,
    container_env: Vec<String>,
    generate_env: Vec<(String, String)>,
}

fuzz_target!(|input: Input| {
    let mut create_command = vec!["rpod".to_string()];
    create_command.extend(input.root_args.iter().filter(|a| *a != "run" && *a != "create").cloned());
    create_command.push("create".to_string());
    create_command.extend(input.run_args.iter().cloned());
    let Ok(run) = rewrite_create_command(&create_command) else { return };

    let config = serde_json::json!({
        "id": "639c53578af4d84b8800b4635fa4e680ee80fd67e0e6a2d4eea48d1e3230f401",
        "name": input.name,
        "CreateCommand": create_command,
        "createdTime": "2023-01-04T10:19:52Z",
        "env": input.container_env,
    });
    let Ok(config) = serde_json::from_value::<libpod::ContainerConfig>(config) else { return };
    let executable = format!("/{}", input.executable);
    let env: Vec<EnvVar> =
        input.generate_env.iter().map(|(name, value)| EnvVar { name: name.clone(), value: value.clone() }).collect();
    let opts = UnitOptions {
        executable: executable.clone(),
        generator_version: "fuzz".to_string(),
        new: true,
        use_name: true,
        env: env.clone(),
        run_root: "/run/rpod".to_string(),
        ..UnitOptions::default()
    };
    let Ok(unit) = container_unit(&config, &opts) else { return };
    let text = &unit.text;

    for (key, _) in settings(text) {
        assert!(KEYS.contains(&key.as_str()), "unexpected setting {key:?} in:\n{text}");
    }
    let exec_start = values(text, "ExecStart");
    assert_eq!(exec_start.len(), 1, "one ExecStart= in:\n{text}");
    let mut want = run.argv(&executable);
    let cidfile_at = 1 + run.root_args.len() + 1;
    want[cidfile_at] = CIDFILE.to_string();
    assert_eq!(exec_argv(&exec_start[0]), want, "ExecStart of:\n{text}");

    for key in ["ExecStop", "ExecStopPost"] {
        let lines = values(text, key);
        assert_eq!(lines.len(), 1, "one {key}= in:\n{text}");
        let argv = exec_argv(&lines[0]);
        assert_eq!(argv.first(), Some(&executable), "{key} of:\n{text}");
        assert!(argv.iter().any(|a| a == CIDFILE), "{key} without the unit's cidfile:\n{text}");
    }

    let assignments: Vec<String> = values(text, "Environment").iter().flat_map(|v| env_words(v)).collect();
    assert_eq!(assignments.first().map(String::as_str), Some("PODMAN_SYSTEMD_UNIT=UNIT.service"), "{text}");
    let wanted: Vec<String> = env.iter().map(EnvVar::assignment).collect();
    assert!(assignments.ends_with(&wanted), "generate -e values {wanted:?} not set exactly:\n{text}");
});
