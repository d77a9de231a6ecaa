//! `rpod-quadlet`: the systemd generator (installed as `rpod-system-generator` and
//! `rpod-user-generator`), with Podman quadlet's command line:
//! `rpod-quadlet [-dryrun] [-user] [-no-kmsg-log] [-v] [-version] normal-dir [early-dir] [late-dir]`.
//! Flags are Go-style (`-v`, `--v`, `-v=true`); a name containing "user" means `-user`.
//! Messages go to the kernel log (a generator has no other), or stderr with `-no-kmsg-log`,
//! `-dryrun` or when /dev/kmsg cannot be opened. Exit 1 if any file failed, else 0.
//!
//! Every unit runs the `rpod` beside this program's real path (symlinks resolved), or `$RPOD`.

use std::io::Write;
use std::path::PathBuf;

use quadlet::convert::Generation;
use quadlet::dirs::{unit_dirs, SearchEnv};
use quadlet::generator::{generate, Log, Run};

#[derive(Default)]
struct Flags {
    dryrun: bool,
    user: bool,
    no_kmsg: bool,
    verbose: bool,
    version: bool,
    positional: Vec<String>,
}

const USAGE: &str = "Usage of rpod-quadlet:
  -dryrun
    \tRun in dryrun mode printing debug information
  -no-kmsg-log
    \tDon't log to kmsg
  -user
    \tRun as systemd user
  -v\tPrint debug information
  -version
    \tPrint version information and exit
";

/// Go's `flag` package rules: flags until the first non-flag or `--`; booleans take `=value`.
fn parse(args: &[String]) -> Result<Flags, (String, i32)> {
    let mut flags = Flags::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if arg == "--" {
            i += 1;
            break;
        }
        let Some(name) = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-')).filter(|n| !n.is_empty()) else {
            break;
        };
        let (name, value) = match name.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (name, None),
        };
        let on = match value.map(parse_go_bool) {
            None => true,
            Some(Some(b)) => b,
            Some(None) => {
                let v = value.unwrap_or_default();
                return Err((format!("invalid boolean value {v:?} for -{name}: parse error\n{USAGE}"), 2));
            }
        };
        match name {
            "dryrun" => flags.dryrun = on,
            "user" => flags.user = on,
            "no-kmsg-log" => flags.no_kmsg = on,
            "v" => flags.verbose = on,
            "version" => flags.version = on,
            "h" | "help" => return Err((USAGE.to_string(), 0)),
            other => return Err((format!("flag provided but not defined: -{other}\n{USAGE}"), 2)),
        }
        i += 1;
    }
    flags.positional = args[i..].to_vec();
    Ok(flags)
}

fn parse_go_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// The kernel log, or stderr.
struct GeneratorLog {
    kmsg: Option<std::fs::File>,
    debug: bool,
    /// `-dryrun` prints to stderr as well.
    echo: bool,
}

impl Log for GeneratorLog {
    fn error(&mut self, message: &str) {
        let line = format!("rpod-quadlet[{}]: {message}\n", std::process::id());
        let logged = self.kmsg.as_mut().is_some_and(|k| k.write_all(line.as_bytes()).is_ok());
        if !logged || self.echo {
            let _ = std::io::stderr().write_all(line.as_bytes());
        }
    }

    fn debug(&mut self, message: &str) {
        if self.debug {
            self.error(message);
        }
    }
}

fn rpod_path() -> String {
    if let Some(rpod) = std::env::var_os("RPOD").filter(|v| !v.is_empty()) {
        return rpod.to_string_lossy().into_owned();
    }
    let dir = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok())
        .and_then(|p| p.parent().map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("/usr/bin"));
    dir.join("rpod").to_string_lossy().into_owned()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let program = args.first().cloned().unwrap_or_else(|| "rpod-quadlet".to_string());
    let mut flags = match parse(&args[1.min(args.len())..]) {
        Ok(f) => f,
        Err((message, code)) => {
            eprint!("{message}");
            std::process::exit(code);
        }
    };
    if program.rsplit('/').next().is_some_and(|base| base.contains("user")) {
        flags.user = true;
    }
    if flags.version {
        println!("{}", env!("CARGO_PKG_VERSION"));
        return;
    }
    let kmsg = if flags.no_kmsg || flags.dryrun {
        None
    } else {
        std::fs::OpenOptions::new().write(true).open("/dev/kmsg").ok()
    };
    let mut log = GeneratorLog { kmsg, debug: flags.verbose || flags.dryrun, echo: flags.dryrun };
    let failed = run(&flags, &program, &mut log);
    if failed {
        log.error("processing encountered some errors");
        std::process::exit(1);
    }
}

fn run(flags: &Flags, program: &str, log: &mut GeneratorLog) -> bool {
    let output = match flags.positional.first() {
        Some(dir) => PathBuf::from(dir),
        None if flags.dryrun => PathBuf::new(),
        None => {
            log.error("missing output directory argument");
            return true;
        }
    };
    if !flags.dryrun {
        log.debug(&format!("Starting quadlet-generator, output to: {}", output.display()));
    }
    let (dirs, complaints) = unit_dirs(&SearchEnv::from_process(flags.user));
    for complaint in complaints {
        log.error(&complaint);
    }
    let run = Run {
        dryrun: flags.dryrun,
        output,
        generation: Generation { rpod: rpod_path(), user: flags.user },
        dirs,
        program: program.to_string(),
    };
    generate(&run, log, &mut std::io::stdout().lock())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn go_flag_syntax() {
        let f = parse(&args(&["-dryrun", "--user", "-v=true", "-no-kmsg-log=false", "/run/gen", "/early"])).unwrap();
        assert!(f.dryrun && f.user && f.verbose && !f.no_kmsg && !f.version);
        assert_eq!(f.positional, ["/run/gen", "/early"]);
        let f = parse(&args(&["--", "-v"])).unwrap();
        assert!(!f.verbose);
        assert_eq!(f.positional, ["-v"]);
        let f = parse(&args(&["out", "-v"])).unwrap();
        assert!(!f.verbose, "flags end at the first directory");
        assert_eq!(
            parse(&args(&["-bogus"])).err().map(|(m, c)| (m.lines().next().unwrap().to_string(), c)),
            Some(("flag provided but not defined: -bogus".to_string(), 2))
        );
        assert_eq!(parse(&args(&["-v=maybe"])).err().map(|(_, c)| c), Some(2));
        assert_eq!(parse(&args(&["-h"])).err().map(|(_, c)| c), Some(0));
    }
}
