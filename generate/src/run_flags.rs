//! Reads the few flags `generate systemd --new` cares about out of the arguments that followed
//! `run`/`create` in a container's create command, and finds where the image argument starts.
//!
//! Podman does this with a pflag set that knows only `-d/--detach`, `--name`, `--replace`,
//! `-e/--env`, `--sdnotify`, `--restart` and `-h` and lets every other flag through with a
//! guess: an unknown flag without `=` swallows the next argument unless that starts with `-`.
//! The guess is kept for unknown value flags, but rpod also knows the boolean flags of
//! `create`/`run`, so `--rm alpine -d` never mistakes the image for a flag value or the
//! container command's `-d` for `--detach` (with Podman 5.x it does).

use crate::error::Error;

/// `create`/`run` flags that take no value (`--flag` or `--flag=bool`), long names, other than
/// the ones [`Known`] handles itself.
const BOOL_LONG_FLAGS: &[&str] = &[
    "rm",
    "tty",
    "interactive",
    "privileged",
    "init",
    "read-only",
    "read-only-tmpfs",
    "no-hosts",
    "no-healthcheck",
    "no-hostname",
    "publish-all",
    "quiet",
    "env-host",
    "http-proxy",
    "oom-kill-disable",
    "rootfs",
    "sig-proxy",
    "passwd",
    "tls-verify",
    "disable-content-trust",
    "rmi",
];

/// `create`/`run` value flags whose value may start with `-` (`--memory-swap -1`,
/// `--pids-limit -1`, `--cpus -1`): pflag's guess would leave such a value to be read as a flag
/// and take the image for its value, so these always take the next argument.
const SIGNED_VALUE_LONG_FLAGS: &[&str] = &["memory-swap", "pids-limit", "cpus", "cpu-shares"];

/// One-letter boolean flags of `create`/`run` besides `-d`: `-t`, `-i`, `-P`, `-q`.
const BOOL_SHORT_FLAGS: &[char] = &['t', 'i', 'P', 'q'];

/// What the flag part of a create command says, as far as the unit generator needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunFlags {
    /// Final value of `-d/--detach` (the last one given wins).
    pub detach: bool,
    /// `-d/--detach` appeared at all (so `--detach=false` must be removed before adding `-d`).
    pub detach_given: bool,
    /// `--name` appeared.
    pub name_given: bool,
    /// Final value of `--replace`.
    pub replace: bool,
    /// `--replace` appeared.
    pub replace_given: bool,
    /// Every `-e/--env` value, in order.
    pub env: Vec<String>,
    /// Last `--sdnotify` value.
    pub sdnotify: Option<String>,
    /// Last `--restart` value.
    pub restart: Option<String>,
    /// Index of the first positional argument (the image); everything from here on is the
    /// image and the container's command and is never changed.
    pub positional_start: usize,
}

/// Parses the arguments after `run`/`create`, stopping at the first positional argument or `--`.
/// Errors carry pflag's texts (`bad flag syntax: ---x`, `flag needs an argument: --name`, ...).
pub fn parse(args: &[String]) -> Result<RunFlags, Error> {
    let mut flags = RunFlags::default();
    let mut index = 0;
    while index < args.len() {
        let arg = &args[index];
        index += 1;
        if arg.len() < 2 || !arg.starts_with('-') {
            flags.positional_start = index - 1;
            return Ok(flags);
        }
        if arg == "--" {
            flags.positional_start = index;
            return Ok(flags);
        }
        index = if let Some(long) = arg.strip_prefix("--") {
            parse_long(&mut flags, arg, long, args, index)?
        } else {
            parse_short_group(&mut flags, &arg[1..], args, index)?
        };
    }
    flags.positional_start = args.len();
    Ok(flags)
}

/// `--name`, `--name=value` or `--name value`; returns the index of the next unread argument.
fn parse_long(flags: &mut RunFlags, arg: &str, long: &str, args: &[String], next: usize) -> Result<usize, Error> {
    if long.starts_with('-') || long.starts_with('=') {
        return Err(Error::RunFlags(format!("bad flag syntax: {arg}")));
    }
    let (name, inline) = match long.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (long, None),
    };
    let Some(flag) = Known::long(name) else {
        if inline.is_some() || BOOL_LONG_FLAGS.contains(&name) {
            return Ok(next);
        }
        if SIGNED_VALUE_LONG_FLAGS.contains(&name) {
            return Ok((next + 1).min(args.len()));
        }
        return Ok(skip_unknown_value(args, next));
    };
    let (value, next) = match (inline, flag.is_bool()) {
        (Some(value), _) => (value.to_string(), next),
        (None, true) => ("true".to_string(), next),
        (None, false) => match args.get(next) {
            Some(value) => (value.clone(), next + 1),
            None => return Err(Error::RunFlags(format!("flag needs an argument: {arg}"))),
        },
    };
    flag.apply(flags, value)?;
    Ok(next)
}

/// A group of one-letter flags such as `-dti`, `-e FOO`, `-eFOO`, `-d=false` or `-h host`.
fn parse_short_group(flags: &mut RunFlags, group: &str, args: &[String], next: usize) -> Result<usize, Error> {
    let mut rest = group;
    let mut next_unread = next;
    while let Some(letter) = rest.chars().next() {
        let after = &rest[letter.len_utf8()..];
        let Some(flag) = Known::short(letter) else {
            if BOOL_SHORT_FLAGS.contains(&letter) {
                rest = after;
                continue;
            }
            // An unknown value flag: the rest of the group is its value, or the next argument is.
            if after.is_empty() {
                next_unread = skip_unknown_value(args, next);
            }
            return Ok(next_unread);
        };
        let value = if let Some(value) = after.strip_prefix('=').filter(|_| after.len() > 1) {
            rest = "";
            value.to_string()
        } else if flag.is_bool() {
            rest = after;
            "true".to_string()
        } else if !after.is_empty() {
            rest = "";
            after.to_string()
        } else {
            rest = "";
            match args.get(next) {
                Some(value) => {
                    next_unread = next + 1;
                    value.clone()
                }
                None => {
                    return Err(Error::RunFlags(format!("flag needs an argument: '{letter}' in -{group}")));
                }
            }
        };
        flag.apply(flags, value)?;
    }
    Ok(next_unread)
}

/// pflag's guess for an unknown flag without `=`: it takes the next argument as its value unless
/// that starts with `-` or is the last argument (which must then be the image).
fn skip_unknown_value(args: &[String], next: usize) -> usize {
    match args.get(next) {
        Some(value) if !value.starts_with('-') && next + 1 < args.len() => next + 1,
        _ => next,
    }
}

/// The flags Podman's `--new` rewrite looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    Detach,
    Name,
    Replace,
    Env,
    SdNotify,
    Restart,
    /// `-h hostname`: only known so that its value is not taken for the image (Podman #15124).
    Hostname,
}

impl Known {
    fn long(name: &str) -> Option<Known> {
        Some(match name {
            "detach" => Known::Detach,
            "name" => Known::Name,
            "replace" => Known::Replace,
            "env" => Known::Env,
            "sdnotify" => Known::SdNotify,
            "restart" => Known::Restart,
            "help" => Known::Hostname,
            _ => return None,
        })
    }

    fn short(letter: char) -> Option<Known> {
        Some(match letter {
            'd' => Known::Detach,
            'e' => Known::Env,
            'h' => Known::Hostname,
            _ => return None,
        })
    }

    fn is_bool(self) -> bool {
        matches!(self, Known::Detach | Known::Replace)
    }

    /// pflag's spelling of the flag in its error texts (`-d, --detach`).
    fn display(self) -> &'static str {
        match self {
            Known::Detach => "-d, --detach",
            Known::Replace => "--replace",
            Known::Name => "--name",
            Known::Env => "-e, --env",
            Known::SdNotify => "--sdnotify",
            Known::Restart => "--restart",
            Known::Hostname => "-h, --help",
        }
    }

    fn apply(self, flags: &mut RunFlags, value: String) -> Result<(), Error> {
        match self {
            Known::Detach => {
                flags.detach = parse_bool(self, &value)?;
                flags.detach_given = true;
            }
            Known::Replace => {
                flags.replace = parse_bool(self, &value)?;
                flags.replace_given = true;
            }
            Known::Name => flags.name_given = true,
            Known::Env => flags.env.push(value),
            Known::SdNotify => flags.sdnotify = Some(value),
            Known::Restart => flags.restart = Some(value),
            Known::Hostname => {}
        }
        Ok(())
    }
}

/// Go's `strconv.ParseBool`, with pflag's error text.
fn parse_bool(flag: Known, value: &str) -> Result<bool, Error> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(Error::RunFlags(format!(
            "invalid argument \"{value}\" for \"{}\" flag: strconv.ParseBool: parsing \"{value}\": invalid syntax",
            flag.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn finds_the_image_and_the_flags() {
        struct Case {
            args: &'static [&'static str],
            positional_start: usize,
            detach: bool,
            name: bool,
        }
        let cases = [
            Case { args: &["alpine"], positional_start: 0, detach: false, name: false },
            Case { args: &["-d", "alpine", "top"], positional_start: 1, detach: true, name: false },
            Case { args: &["-dti", "alpine"], positional_start: 1, detach: true, name: false },
            Case { args: &["-itd", "alpine"], positional_start: 1, detach: true, name: false },
            Case { args: &["--name", "web", "alpine", "-d"], positional_start: 2, detach: false, name: true },
            Case { args: &["--name=web", "--rm", "alpine", "-d"], positional_start: 2, detach: false, name: true },
            Case { args: &["--tty", "alpine", "--detach"], positional_start: 1, detach: false, name: false },
            Case { args: &["-p", "80:80", "alpine"], positional_start: 2, detach: false, name: false },
            Case { args: &["-p80:80", "alpine"], positional_start: 1, detach: false, name: false },
            Case { args: &["-v/data:/data", "alpine"], positional_start: 1, detach: false, name: false },
            Case { args: &["--label", "a=b", "alpine", "top"], positional_start: 2, detach: false, name: false },
            Case { args: &["--label", "--name", "x", "alpine"], positional_start: 3, detach: false, name: true },
            Case { args: &["--unknown-bool", "alpine"], positional_start: 1, detach: false, name: false },
            Case { args: &["-h", "hostname", "alpine"], positional_start: 2, detach: false, name: false },
            Case { args: &["--detach=false", "-d=true", "alpine"], positional_start: 2, detach: true, name: false },
            Case { args: &["-d", "--", "-image-like", "cmd"], positional_start: 2, detach: true, name: false },
            Case { args: &["-"], positional_start: 0, detach: false, name: false },
            Case { args: &["-d"], positional_start: 1, detach: true, name: false },
            Case { args: &["--memory-swap", "-1", "alpine", "top"], positional_start: 2, detach: false, name: false },
            Case { args: &["--pids-limit", "-1", "-d", "alpine"], positional_start: 3, detach: true, name: false },
            Case { args: &["-m", "32m", "--cpus", "1.5", "alpine"], positional_start: 4, detach: false, name: false },
            Case {
                args: &["-v", "data:/data:ro", "--volume=/srv:/srv", "--mount", "type=tmpfs,dst=/t", "alpine", "-d"],
                positional_start: 5,
                detach: false,
                name: false,
            },
            Case {
                args: &["--tmpfs", "/run", "-d", "--mount=type=volume,dst=/v", "alpine"],
                positional_start: 4,
                detach: true,
                name: false,
            },
            Case {
                args: &["-p", "127.0.0.1:8080:80/tcp", "--network", "web,db", "-P", "--ip=10.89.0.5", "alpine", "-p"],
                positional_start: 6,
                detach: false,
                name: false,
            },
            Case {
                args: &["--publish=9000-9001:90-91", "--net", "host", "-d", "--network-alias", "cache", "alpine"],
                positional_start: 6,
                detach: true,
                name: false,
            },
        ];
        for case in cases {
            let parsed = parse(&args(case.args)).unwrap();
            assert_eq!(parsed.positional_start, case.positional_start, "{:?}", case.args);
            assert_eq!(parsed.detach, case.detach, "{:?}", case.args);
            assert_eq!(parsed.name_given, case.name, "{:?}", case.args);
        }
    }

    #[test]
    fn collects_env_sdnotify_restart_and_replace() {
        let parsed = parse(&args(&[
            "--env",
            "FOO",
            "--env=BAR",
            "-e",
            "USER",
            "-eX=1",
            "-e=Y",
            "--sdnotify",
            "ignore",
            "--sdnotify=container",
            "--restart",
            "always",
            "--restart=on-failure:3",
            "--replace=false",
            "alpine",
        ]))
        .unwrap();
        assert_eq!(parsed.env, ["FOO", "BAR", "USER", "X=1", "Y"]);
        assert_eq!(parsed.sdnotify.as_deref(), Some("container"));
        assert_eq!(parsed.restart.as_deref(), Some("on-failure:3"));
        assert!(parsed.replace_given);
        assert!(!parsed.replace);
        assert_eq!(parsed.positional_start, 14);
    }

    #[test]
    fn pflag_error_texts() {
        let cases: [(&[&str], &str); 6] = [
            (&["---x", "alpine"], "bad flag syntax: ---x"),
            (&["--=x", "alpine"], "bad flag syntax: --=x"),
            (&["--name"], "flag needs an argument: --name"),
            (&["-h"], "flag needs an argument: 'h' in -h"),
            (
                &["--detach=maybe", "alpine"],
                "invalid argument \"maybe\" for \"-d, --detach\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax",
            ),
            (
                &["--replace=2", "alpine"],
                "invalid argument \"2\" for \"--replace\" flag: strconv.ParseBool: parsing \"2\": invalid syntax",
            ),
        ];
        for (input, want) in cases {
            let err = parse(&args(input)).unwrap_err();
            assert_eq!(err.to_string(), format!("parsing remaining command-line arguments: {want}"), "{input:?}");
        }
    }
}
