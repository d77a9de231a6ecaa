//! rpod's promise beyond Podman: whatever a container's arguments, labels, environment or the
//! rpod path hold (newlines, quotes, `%`, `$`, backslashes, a lone `;`, control characters),
//! systemd runs exactly that argv and sets exactly those variables, and nothing can add a line
//! to the unit. Each unit is read back with a model of systemd's parser and checked with
//! `systemd-analyze verify`.

mod common;

use std::os::unix::fs::symlink;

use common::systemd_parse::{env_words, exec_argv, settings, values};
use common::verify::verify_units;
use common::{container, env_vars, ID};
use generate::{container_unit, rewrite_create_command, UnitOptions};

/// Arguments that break or inject into a Podman 5.x unit, or that systemd would reinterpret.
const HOSTILE: &[&str] = &[
    "a=b\nExecStartPre=/bin/evil",
    "line1\r\nline2",
    ";",
    "",
    "it's",
    "k=''",
    "\"",
    "\\",
    "trailing\\",
    "\\;",
    "\\n is not a newline",
    "tab\there",
    "$HOME",
    "${HOME}",
    "$$",
    "%n",
    "%%i",
    "100%",
    "#not a comment",
    "-starts-with-dash",
    "--name",
    "esc\u{1b}[31mred",
    "bell\u{7}del\u{7f}",
    "c1\u{85}nel",
    "ünïcödé and emoji 😀",
    "nbsp\u{a0}and\u{2028}separator",
    "{{.Name}} {{{{.Executable}}}}",
    "sh -c 'kill $$ && echo %\\'",
];

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// An executable path with a space, `%` and `$` that really exists (systemd-analyze checks it).
fn odd_executable(dir: &std::path::Path) -> String {
    let bin_dir = dir.join("my bin %d $x");
    std::fs::create_dir(&bin_dir).expect("creating the bin dir");
    let exe = bin_dir.join("rpod");
    symlink("/bin/true", &exe).expect("linking /bin/true");
    exe.to_string_lossy().into_owned()
}

fn create_command() -> Vec<String> {
    let mut command = strings(&[
        "rpod",
        "--root",
        "/var/tmp/root with space/%r",
        "create",
        "--name",
        "web",
        "--label",
        "x=1\ny=2",
        "-e",
        "INLINE=v\nw",
        "--env",
        "FROMCTR",
        "-e",
        "PERCENT",
        "busybox",
    ]);
    command.extend(strings(HOSTILE));
    command
}

fn hostile_config() -> libpod::ContainerConfig {
    let mut cfg = container("web", 10, &[], &[]);
    cfg.create_command = create_command();
    cfg.env = strings(&["FROMCTR=v$al %n \"q\" 'sq' \\ \n end\ttab", "PERCENT=100%", "OTHER=not referenced"]);
    cfg
}

fn options(exe: &str) -> UnitOptions {
    UnitOptions {
        executable: exe.to_string(),
        generator_version: "CI".to_string(),
        new: true,
        use_name: true,
        env: env_vars(&[("GEN", "a$b%c\nd\te'f\"g\\h"), ("EMPTY", "")]),
        run_root: "/run/rpod".to_string(),
        ..UnitOptions::default()
    }
}

/// The argv the rewrite promises, with the unit's own specifiers as the model expands them.
fn expected_argv(exe: &str, instance_name: Option<&str>) -> Vec<String> {
    let run = rewrite_create_command(&create_command()).expect("the hostile command parses");
    let mut argv: Vec<String> = run
        .argv(exe)
        .into_iter()
        .map(|arg| if arg == "--cidfile=%t/%n.ctr-id" { "--cidfile=/run/UNIT.service.ctr-id".to_string() } else { arg })
        .collect();
    if let Some(name) = instance_name {
        let index = argv.iter().position(|a| a == "web").expect("the --name value");
        argv[index] = name.to_string();
    }
    argv
}

fn exec_start(text: &str) -> Vec<String> {
    let lines = values(text, "ExecStart");
    assert_eq!(lines.len(), 1, "exactly one ExecStart=:\n{text}");
    exec_argv(&lines[0])
}

#[test]
fn new_unit_runs_the_exact_argv() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let exe = odd_executable(dir.path());
    let unit = container_unit(&hostile_config(), &options(&exe)).expect("the unit is generated");
    assert_eq!(exec_start(&unit.text), expected_argv(&exe, None));
    verify_units(&[("web.service".to_string(), unit.text)]);
}

#[test]
fn template_unit_runs_the_exact_argv() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let exe = odd_executable(dir.path());
    let opts = UnitOptions { template: true, ..options(&exe) };
    let unit = container_unit(&hostile_config(), &opts).expect("the unit is generated");
    assert_eq!(exec_start(&unit.text), expected_argv(&exe, Some("web-INSTANCE")));
    verify_units(&[("web@.service".to_string(), unit.text)]);
}

#[test]
fn environment_is_set_exactly() {
    let unit = container_unit(&hostile_config(), &options("/bin/true")).expect("the unit is generated");
    let assignments: Vec<String> = values(&unit.text, "Environment").iter().flat_map(|v| env_words(v)).collect();
    assert_eq!(
        assignments,
        [
            "PODMAN_SYSTEMD_UNIT=UNIT.service",
            "FROMCTR=v$al %n \"q\" 'sq' \\ \n end\ttab",
            "PERCENT=100%",
            "GEN=a$b%c\nd\te'f\"g\\h",
            "EMPTY=",
        ]
    );
}

#[test]
fn nothing_adds_a_setting() {
    let unit = container_unit(&hostile_config(), &options("/bin/true")).expect("the unit is generated");
    let keys: Vec<String> = settings(&unit.text).into_iter().map(|(key, _)| key).collect();
    assert_eq!(
        keys,
        [
            "Description",
            "Documentation",
            "Wants",
            "After",
            "RequiresMountsFor",
            "Environment",
            "Environment",
            "Environment",
            "Environment",
            "Restart",
            "TimeoutStopSec",
            "ExecStart",
            "ExecStop",
            "ExecStopPost",
            "Type",
            "NotifyAccess",
            "WantedBy",
        ]
    );
}

#[test]
fn unit_without_new_starts_and_stops_the_container() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let exe = odd_executable(dir.path());
    let opts = UnitOptions { new: false, ..options(&exe) };
    let unit = container_unit(&hostile_config(), &opts).expect("the unit is generated");
    assert_eq!(exec_start(&unit.text), [exe.as_str(), "start", "web"]);
    assert_eq!(exec_argv(&values(&unit.text, "ExecStop")[0]), [exe.as_str(), "stop", "-t", "10", "web"]);
    let pid_file = format!("/run/containers/storage/overlay-containers/{ID}/userdata/conmon.pid");
    assert_eq!(values(&unit.text, "PIDFile"), [pid_file]);
    verify_units(&[("web.service".to_string(), unit.text)]);
}

#[test]
fn what_cannot_be_escaped_is_refused() {
    let exe = "/bin/true";
    let mut cfg = hostile_config();
    cfg.create_command.push("nul\0byte".to_string());
    let err = container_unit(&cfg, &options(exe)).unwrap_err();
    assert_eq!(err.to_string(), "argument \"nul\\x00byte\" contains a NUL byte, which systemd cannot pass on");

    let cases: Vec<(UnitOptions, &str)> = vec![
        (
            UnitOptions { wants: strings(&["a.service\nExecStartPre=/bin/evil"]), ..options(exe) },
            "--wants \"a.service\\nExecStartPre=/bin/evil\": contains a control character, which would break the unit file",
        ),
        (
            UnitOptions { separator: "\n".to_string(), ..options(exe) },
            "invalid systemd unit name \"container\\nweb\": only ASCII letters, digits, \":\", \"-\", \"_\" and \".\" are allowed, at most 255 characters with the suffix",
        ),
        (
            UnitOptions { env: env_vars(&[("BAD-NAME", "x")]), ..options(exe) },
            "environment variable \"BAD-NAME\": systemd only accepts names of ASCII letters, digits and \"_\" that do not start with a digit",
        ),
        (
            UnitOptions { new: false, run_root: "/run/with space".to_string(), ..options(exe) },
            "RequiresMountsFor \"/run/with space\": a path written into a unit must not contain whitespace, quotes, backslashes or control characters",
        ),
    ];
    for (opts, want) in cases {
        assert_eq!(container_unit(&hostile_config(), &opts).unwrap_err().to_string(), want);
    }
}

/// The model itself, on systemd's documented examples.
#[test]
fn parser_model_reads_what_systemd_reads() {
    assert_eq!(
        exec_argv(r#"/bin/x a "b c" 'd e' f"g"h \; "" "x\ny" $$HOME %%t %t \x41\u00e9"#),
        ["/bin/x", "a", "b c", "d e", "fgh", ";", "", "x\ny", "$HOME", "%t", "/run", "Aé"]
    );
    assert_eq!(env_words(r#"A=1 "B=two words" C=%%a D=\x41"#), ["A=1", "B=two words", "C=%a", "D=A"]);
    assert_eq!(values("[S]\nX=y\\\\\n", "X"), ["y\\\\"]);
    assert_eq!(values("[S]\nExecStart=a \\\n\t-b c\n", "ExecStart"), ["a  -b c"]);
}

/// systemd-analyze really does complain about broken units (so a silent pass means something).
#[test]
fn verify_rejects_a_broken_unit() {
    let broken = "[Service]\nExecStart=/bin/true \"unbalanced\nType=notify\n".to_string();
    let result = std::panic::catch_unwind(|| verify_units(&[("broken.service".to_string(), broken)]));
    assert!(result.is_err(), "systemd-analyze accepted unbalanced quoting");
}

/// Many random arguments and environment values, built from the characters that matter to
/// systemd, all survive the trip through the unit unchanged.
#[test]
fn random_arguments_survive() {
    use rand::{Rng, SeedableRng};
    const POOL: &[char] = &[
        'a', 'Z', '0', ' ', '\t', '\n', '\r', '"', '\'', '\\', '$', '%', ';', '#', '-', '=', '{', '}', '\u{1}',
        '\u{1b}', '\u{7f}', '\u{85}', 'é', '\u{2028}', '😀', 'n', 't', 'x', 'u',
    ];
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed);
    let word = |rng: &mut rand::rngs::StdRng| -> String {
        let len = rng.random_range(0..12);
        (0..len).map(|_| POOL[rng.random_range(0..POOL.len())]).collect()
    };
    for round in 0..2000 {
        let args: Vec<String> = (0..rng.random_range(1..8)).map(|_| word(&mut rng)).collect();
        let value = word(&mut rng);
        let mut cfg = container("web", 10, &[], &[]);
        cfg.create_command =
            ["rpod", "create", "-e", "V", "busybox"].iter().map(|s| s.to_string()).chain(args.clone()).collect();
        cfg.env = vec![format!("V={value}")];
        let unit = container_unit(&cfg, &options("/bin/true")).expect("the unit is generated");
        let argv = exec_start(&unit.text);
        assert_eq!(argv[argv.len() - args.len()..], args[..], "round {round}: {args:?}\n{}", unit.text);
        let env: Vec<String> = values(&unit.text, "Environment").iter().flat_map(|v| env_words(v)).collect();
        assert!(env.contains(&format!("V={value}")), "round {round}: {value:?}\n{}", unit.text);
    }
}
