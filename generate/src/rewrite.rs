//! The `--new` rewrite: a container's create command becomes the unit's `rpod run` (Podman 4.4+,
//! `generate systemd --new`). Argument lists in, argument lists out; escaping happens later.
//!
//! Steps, in Podman's order: keep the root flags before `run`/`create` (and a `container` word),
//! say `run`, add `--cidfile=%t/%n.ctr-id --cgroups=no-conmon --rm`; drop the user's `--rm`,
//! `--cgroups`, `--cidfile` and `--restart` (systemd owns those now); add `--sdnotify=conmon`
//! unless the user chose `container`/`conmon` (an `ignore` is replaced); add `-d` unless
//! detached (removing `--detach=false`); add `--replace` for a named container (removing
//! `--replace=false`). The image and the container's command are never touched.

use crate::error::Error;
use crate::options::StorageFlags;
use crate::run_flags::{self, RunFlags};

/// The flags every `--new` unit passes right after `run`, in this order. They hold systemd
/// specifiers (`%t`, `%n`), so they are written into the unit unescaped.
pub const FIXED_RUN_FLAGS: [&str; 3] = ["--cidfile=%t/%n.ctr-id", "--cgroups=no-conmon", "--rm"];

/// The unit's `run` command, in parts, so the escaper knows what came from the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunCommand {
    /// Root flags and a `container` word between the program and `run`/`create`, kept as given.
    pub root_args: Vec<String>,
    /// What the rewrite adds after [`FIXED_RUN_FLAGS`]: `--sdnotify=conmon`, `-d`, `--replace`.
    pub added_flags: Vec<&'static str>,
    /// The user's flags, with the ones systemd now owns removed.
    pub user_flags: Vec<String>,
    /// The image and the container's command, exactly as created.
    pub positionals: Vec<String>,
    /// The last `--restart` value, for `Restart=`.
    pub restart: Option<String>,
    /// `-e NAME` values without `=`: the unit must set these from the container's environment.
    pub env_names: Vec<String>,
}

impl RunCommand {
    /// The whole command, unescaped, starting with `executable` (what a shell would see).
    pub fn argv(&self, executable: &str) -> Vec<String> {
        let mut argv = vec![executable.to_string()];
        argv.extend(self.root_args.iter().cloned());
        argv.push("run".to_string());
        argv.extend(FIXED_RUN_FLAGS.iter().map(|f| f.to_string()));
        argv.extend(self.added_flags.iter().map(|f| f.to_string()));
        argv.extend(self.user_flags.iter().cloned());
        argv.extend(self.positionals.iter().cloned());
        argv
    }
}

/// Rewrites `create_command` (the creating process's full argv) for a `--new` unit.
pub fn rewrite_create_command(create_command: &[String]) -> Result<RunCommand, Error> {
    let verb = create_command
        .iter()
        .position(|arg| arg == "run" || arg == "create")
        .ok_or_else(|| Error::CreateCommandInvalid(create_command.to_vec()))?;
    let root_args = create_command[1.min(verb)..verb].to_vec();
    let rest = &create_command[verb + 1..];
    let flags = run_flags::parse(rest)?;
    let (flag_part, positionals) = rest.split_at(flags.positional_start);

    let mut user_flags = strip_systemd_owned(flag_part);
    let mut added_flags = Vec::new();
    match flags.sdnotify.as_deref() {
        None => added_flags.push("--sdnotify=conmon"),
        Some("ignore") => {
            // A Type=notify unit never becomes active without a READY=1.
            user_flags = remove_flag_with_value(&user_flags, "--sdnotify");
            added_flags.push("--sdnotify=conmon");
        }
        Some(_) => {}
    }
    if !flags.detach {
        added_flags.push("-d");
        if flags.detach_given {
            user_flags.retain(|arg| arg != "-d=false" && arg != "--detach=false");
        }
    }
    if flags.name_given && !flags.replace {
        // A named container left over after a crash must not block the unit's start (#5485).
        added_flags.push("--replace");
        if flags.replace_given {
            user_flags.retain(|arg| arg != "--replace=false");
        }
    }
    let RunFlags { restart, env, .. } = flags;
    Ok(RunCommand {
        root_args,
        added_flags,
        user_flags,
        positionals: positionals.to_vec(),
        restart,
        env_names: env.into_iter().filter(|value| !value.contains('=')).collect(),
    })
}

/// The root flags with `--root`/`--runroot` of non-default `storage` put in front, each unless
/// `root_args` already name it (the create command's own flag is kept as typed). With default
/// storage the root flags stay as they are, so the unit is Podman's byte for byte.
pub fn with_storage_flags(root_args: &[String], storage: &StorageFlags) -> Vec<String> {
    let names = |flag: &str| {
        root_args.iter().any(|arg| arg == flag || arg.strip_prefix(flag).is_some_and(|rest| rest.starts_with('=')))
    };
    let mut args = Vec::with_capacity(root_args.len() + 4);
    for (flag, path) in [("--root", &storage.root), ("--runroot", &storage.run_root)] {
        if let Some(path) = path.as_ref().filter(|_| !names(flag)) {
            args.extend([flag.to_string(), path.clone()]);
        }
    }
    args.extend(root_args.iter().cloned());
    args
}

/// Podman's `filterCommonContainerFlags`: `--rm`, `--rm=x`, and `--cgroups`, `--cidfile`,
/// `--restart` in both their `--flag value` and `--flag=value` forms.
fn strip_systemd_owned(flag_part: &[String]) -> Vec<String> {
    let mut kept = Vec::with_capacity(flag_part.len());
    let mut args = flag_part.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rm" => {}
            "--cgroups" | "--cidfile" | "--restart" => {
                args.next();
            }
            a if ["--rm=", "--cgroups=", "--cidfile=", "--restart="].iter().any(|p| a.starts_with(p)) => {}
            _ => kept.push(arg.clone()),
        }
    }
    kept
}

/// Removes `flag value` and `flag=value` pairs.
fn remove_flag_with_value(flag_part: &[String], flag: &str) -> Vec<String> {
    let with_equals = format!("{flag}=");
    let mut kept = Vec::with_capacity(flag_part.len());
    let mut args = flag_part.iter();
    while let Some(arg) = args.next() {
        if arg == flag {
            args.next();
        } else if !arg.starts_with(&with_equals) {
            kept.push(arg.clone());
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|a| a.to_string()).collect()
    }

    fn rewrite(create: &[&str]) -> Vec<String> {
        rewrite_create_command(&strings(create)).unwrap().argv("/usr/bin/rpod")
    }

    const FIXED: [&str; 5] = ["/usr/bin/rpod", "run", "--cidfile=%t/%n.ctr-id", "--cgroups=no-conmon", "--rm"];

    fn with_fixed(rest: &[&str]) -> Vec<String> {
        strings(&FIXED.iter().chain(rest).copied().collect::<Vec<_>>())
    }

    #[test]
    fn argv_rewrite_table() {
        let cases: Vec<(&str, Vec<&str>, Vec<String>)> = vec![
            ("minimal", vec!["rpod", "run", "alpine"], with_fixed(&["--sdnotify=conmon", "-d", "alpine"])),
            (
                "create becomes run",
                vec!["rpod", "create", "alpine", "top"],
                with_fixed(&["--sdnotify=conmon", "-d", "alpine", "top"]),
            ),
            (
                "container create keeps the group word",
                vec!["rpod", "container", "create", "alpine"],
                strings(&[
                    "/usr/bin/rpod",
                    "container",
                    "run",
                    "--cidfile=%t/%n.ctr-id",
                    "--cgroups=no-conmon",
                    "--rm",
                    "--sdnotify=conmon",
                    "-d",
                    "alpine",
                ]),
            ),
            (
                "root flags are kept",
                vec!["rpod", "--root", "/r", "--runroot=/rr", "create", "alpine"],
                strings(&[
                    "/usr/bin/rpod",
                    "--root",
                    "/r",
                    "--runroot=/rr",
                    "run",
                    "--cidfile=%t/%n.ctr-id",
                    "--cgroups=no-conmon",
                    "--rm",
                    "--sdnotify=conmon",
                    "-d",
                    "alpine",
                ]),
            ),
            (
                "sdnotify container kept in place",
                vec!["rpod", "create", "--sdnotify=container", "alpine"],
                with_fixed(&["-d", "--sdnotify=container", "alpine"]),
            ),
            (
                "sdnotify healthy kept with its health check",
                vec![
                    "rpod",
                    "create",
                    "--sdnotify=healthy",
                    "--health-cmd",
                    "curl -fs http://localhost/",
                    "--health-interval",
                    "10s",
                    "--no-healthcheck=false",
                    "alpine",
                ],
                with_fixed(&[
                    "-d",
                    "--sdnotify=healthy",
                    "--health-cmd",
                    "curl -fs http://localhost/",
                    "--health-interval",
                    "10s",
                    "--no-healthcheck=false",
                    "alpine",
                ]),
            ),
            (
                "--no-healthcheck takes no value",
                vec!["rpod", "create", "--no-healthcheck", "alpine", "top"],
                with_fixed(&["--sdnotify=conmon", "-d", "--no-healthcheck", "alpine", "top"]),
            ),
            (
                "sdnotify conmon two tokens kept",
                vec!["rpod", "create", "--sdnotify", "conmon", "alpine"],
                with_fixed(&["-d", "--sdnotify", "conmon", "alpine"]),
            ),
            (
                "sdnotify ignore replaced",
                vec!["rpod", "create", "--sdnotify=ignore", "alpine"],
                with_fixed(&["--sdnotify=conmon", "-d", "alpine"]),
            ),
            (
                "sdnotify ignore two tokens replaced",
                vec!["rpod", "create", "--sdnotify", "ignore", "alpine"],
                with_fixed(&["--sdnotify=conmon", "-d", "alpine"]),
            ),
            ("-d kept", vec!["rpod", "run", "-d", "alpine"], with_fixed(&["--sdnotify=conmon", "-d", "alpine"])),
            (
                "-dti counts as detach",
                vec!["rpod", "run", "-dti", "alpine"],
                with_fixed(&["--sdnotify=conmon", "-dti", "alpine"]),
            ),
            (
                "-tid counts as detach",
                vec!["rpod", "run", "-tid", "alpine"],
                with_fixed(&["--sdnotify=conmon", "-tid", "alpine"]),
            ),
            (
                "--detach=true kept",
                vec!["rpod", "run", "--detach=true", "alpine"],
                with_fixed(&["--sdnotify=conmon", "--detach=true", "alpine"]),
            ),
            (
                "--detach=false replaced",
                vec!["rpod", "run", "--detach=false", "alpine"],
                with_fixed(&["--sdnotify=conmon", "-d", "alpine"]),
            ),
            (
                "-d=false replaced",
                vec!["rpod", "run", "-d=false", "-d=false", "alpine"],
                with_fixed(&["--sdnotify=conmon", "-d", "alpine"]),
            ),
            (
                "detach=false in the command untouched",
                vec!["rpod", "run", "--detach=false", "alpine", "cmd", "--detach=false"],
                with_fixed(&["--sdnotify=conmon", "-d", "alpine", "cmd", "--detach=false"]),
            ),
            (
                "name adds --replace",
                vec!["rpod", "create", "--name", "web", "alpine"],
                with_fixed(&["--sdnotify=conmon", "-d", "--replace", "--name", "web", "alpine"]),
            ),
            (
                "--replace=false replaced",
                vec!["rpod", "create", "--name=web", "--replace=false", "alpine"],
                with_fixed(&["--sdnotify=conmon", "-d", "--replace", "--name=web", "alpine"]),
            ),
            (
                "--replace kept",
                vec!["rpod", "create", "--replace", "--name=web", "alpine"],
                with_fixed(&["--sdnotify=conmon", "-d", "--replace", "--name=web", "alpine"]),
            ),
            (
                "systemd-owned flags stripped in both forms",
                vec![
                    "rpod",
                    "create",
                    "--rm",
                    "--rm=true",
                    "--cgroups",
                    "split",
                    "--cgroups=enabled",
                    "--cidfile",
                    "/c",
                    "--cidfile=/c",
                    "--restart",
                    "always",
                    "--restart=no",
                    "--conmon-pidfile=/p",
                    "alpine",
                ],
                with_fixed(&["--sdnotify=conmon", "-d", "--conmon-pidfile=/p", "alpine"]),
            ),
            (
                "image and command arguments never touched",
                vec![
                    "rpod",
                    "create",
                    "--cgroups=x",
                    "alpine",
                    "rpod",
                    "run",
                    "--rm",
                    "--cgroups=x",
                    "--cidfile=y",
                    "--restart",
                    "always",
                    "-d",
                ],
                with_fixed(&[
                    "--sdnotify=conmon",
                    "-d",
                    "alpine",
                    "rpod",
                    "run",
                    "--rm",
                    "--cgroups=x",
                    "--cidfile=y",
                    "--restart",
                    "always",
                    "-d",
                ]),
            ),
            (
                "boolean flag does not eat the image",
                vec!["rpod", "create", "--rm", "alpine", "-d"],
                with_fixed(&["--sdnotify=conmon", "-d", "alpine", "-d"]),
            ),
            (
                "-h hostname",
                vec!["rpod", "create", "-h", "hostname", "alpine"],
                with_fixed(&["--sdnotify=conmon", "-d", "-h", "hostname", "alpine"]),
            ),
            (
                "env flags stay",
                vec!["rpod", "create", "--env", "FOO", "-e", "BAR=1", "alpine"],
                with_fixed(&["--sdnotify=conmon", "-d", "--env", "FOO", "-e", "BAR=1", "alpine"]),
            ),
        ];
        for (name, create, want) in cases {
            assert_eq!(rewrite(&create), want, "{name}");
        }
    }

    #[test]
    fn restart_and_env_names_are_extracted() {
        let run = rewrite_create_command(&strings(&[
            "rpod",
            "create",
            "--restart",
            "on-failure:42",
            "--env",
            "FOO",
            "--env=BAR",
            "--env=MYENV=2",
            "-e",
            "USER",
            "alpine",
            "-e",
            "CMD",
        ]))
        .unwrap();
        assert_eq!(run.restart.as_deref(), Some("on-failure:42"));
        assert_eq!(run.env_names, ["FOO", "BAR", "USER"]);
    }

    #[test]
    fn create_command_without_verb() {
        let err = rewrite_create_command(&strings(&["rpod", "start", "web"])).unwrap_err();
        assert_eq!(err.to_string(), "container's create command is too short or invalid: [rpod start web]");
        let err = rewrite_create_command(&[]).unwrap_err();
        assert_eq!(err.to_string(), "container's create command is too short or invalid: []");
    }

    #[test]
    fn storage_flags_are_added_unless_named() {
        let storage = |root: Option<&str>, run_root: Option<&str>| StorageFlags {
            root: root.map(String::from),
            run_root: run_root.map(String::from),
        };
        let both = storage(Some("/r"), Some("/rr"));
        let cases: Vec<(&str, Vec<&str>, StorageFlags, Vec<&str>)> = vec![
            ("default storage adds nothing", vec![], StorageFlags::default(), vec![]),
            ("default storage keeps the group word", vec!["container"], StorageFlags::default(), vec!["container"]),
            ("environment-chosen storage is added", vec![], both.clone(), vec!["--root", "/r", "--runroot", "/rr"]),
            (
                "before the group word",
                vec!["container"],
                both.clone(),
                vec!["--root", "/r", "--runroot", "/rr", "container"],
            ),
            ("only what is not default", vec![], storage(None, Some("/rr")), vec!["--runroot", "/rr"]),
            (
                "typed flags are kept, not doubled",
                vec!["--root", "/typed", "--runroot=/typed-rr"],
                both.clone(),
                vec!["--root", "/typed", "--runroot=/typed-rr"],
            ),
            (
                "a typed --root leaves --runroot to add",
                vec!["--root=/typed"],
                both.clone(),
                vec!["--runroot", "/rr", "--root=/typed"],
            ),
            (
                "--rootless is not --root",
                vec!["--rootless"],
                storage(Some("/r"), None),
                vec!["--root", "/r", "--rootless"],
            ),
        ];
        for (name, root_args, storage, want) in cases {
            assert_eq!(with_storage_flags(&strings(&root_args), &storage), strings(&want), "{name}");
        }
    }

    /// Podman's `TestFilterCommonContainerFlags` (common_test.go), the flag part of each case.
    #[test]
    fn podman_filter_cases() {
        let cases: [(&[&str], &[&str]); 8] = [
            (&[], &[]),
            (&["--conmon-pidfile", "foo"], &["--conmon-pidfile", "foo"]),
            (&["--conmon-pidfile=foo"], &["--conmon-pidfile=foo"]),
            (&["--cidfile", "foo"], &[]),
            (&["--cidfile=foo"], &[]),
            (&["--cgroups", "foo"], &[]),
            (&["--cgroups=foo", "--restart=foo"], &[]),
            (&["--cgroups=foo", "--rm", "--restart", "foo"], &[]),
        ];
        for (input, want) in cases {
            assert_eq!(strip_systemd_owned(&strings(input)), strings(want), "{input:?}");
        }
        // `--cgroups` takes the next argument as its value, whatever it is.
        assert_eq!(strip_systemd_owned(&strings(&["--cgroups", "--rm=bogus"])), Vec::<String>::new());
    }
}
