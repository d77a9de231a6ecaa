//! clap's complaints about a command line, reworded as Podman (cobra and pflag) words them, so
//! scripts and users see the same `Error:` line from rpod as from Podman 5: `unknown flag:
//! --bogus` and a `See 'rpod create --help'` hint, `flag needs an argument: --name`,
//! `invalid argument "x" for "-t, --time" flag: …`, `unrecognized command`, and each command's
//! own text for missing arguments. `main` prints what [`translate`] returns.

use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::Command;

/// A usage error in Podman's words: the message of the `Error:` line and, for flag errors,
/// the hint line Podman prints after it.
#[derive(Debug, PartialEq, Eq)]
pub struct UsageError {
    /// The text after `Error: ` (may span lines, as Podman's `unrecognized command` does).
    pub message: String,
    /// `See 'rpod create --help'`, printed on its own line after the error.
    pub hint: Option<String>,
}

/// The global flags that take a value: their values are not command words.
const GLOBAL_VALUE_FLAGS: [&str; 4] = ["--root", "--runroot", "--log-level", "--runtime"];

/// Rewords `err`, which clap raised parsing `args` (with the program name first) against `root`.
pub fn translate(err: &clap::Error, args: &[OsString], root: &Command) -> UsageError {
    let args: Vec<String> = args.iter().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    let mut tree = root.clone();
    tree.build();
    let root = &tree;
    let offending = context_text(err, ContextKind::InvalidArg);
    // The command words typed before the offending flag: `rpod --bogus ps` is the root's error.
    let upto = offending
        .as_deref()
        .and_then(|bad| args.iter().position(|a| a == bad || a.split_once('=').is_some_and(|(flag, _)| flag == bad)))
        .unwrap_or(args.len());
    let (path, command, end) = command_path(root, &args[..upto]);
    let program = std::iter::once(root.get_name()).chain(path.iter().map(String::as_str)).collect::<Vec<_>>().join(" ");
    let see = Some(format!("See '{program} --help'"));
    let flag_error = |message: String| UsageError { message, hint: see.clone() };
    let plain = |message: String| UsageError { message, hint: None };
    let positionals = positional_count(command, &args[end..]);
    match err.kind() {
        ErrorKind::UnknownArgument => match offending.as_deref() {
            Some(flag) if flag.starts_with("--") => flag_error(format!("unknown flag: {}", flag_name(flag))),
            Some(flag) if flag.starts_with('-') && flag.len() > 1 => {
                let letter = flag.chars().nth(1).unwrap_or('-');
                flag_error(format!("unknown shorthand flag: '{letter}' in {flag}"))
            }
            _ => plain(too_many_arguments(&program, command, positionals)),
        },
        ErrorKind::InvalidSubcommand => {
            let word = context_text(err, ContextKind::InvalidSubcommand).unwrap_or_default();
            plain(unrecognized_command(&program, &word, &suggestions(err)))
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation | ErrorKind::NoEquals => {
            let value = context_text(err, ContextKind::InvalidValue).unwrap_or_default();
            let arg = offending.as_deref().map(flag_name).unwrap_or_default();
            if value.is_empty() && err.kind() == ErrorKind::InvalidValue {
                return flag_error(format!("flag needs an argument: {}", typed_spelling(command, &arg, &args)));
            }
            let reason = match err.kind() {
                ErrorKind::ValueValidation => std::error::Error::source(err).map(|e| e.to_string()).unwrap_or_default(),
                _ => format!("valid values are {}", context_list(err, ContextKind::ValidValue).join(", ")),
            };
            flag_error(format!("invalid argument {value:?} for {:?} flag: {reason}", pflag_spelling(command, &arg)))
        }
        ErrorKind::MissingRequiredArgument => plain(missing_arguments(&program, command, &path, positionals)),
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues => {
            plain(too_many_arguments(&program, command, positionals))
        }
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            plain(format!("missing command '{program} COMMAND'"))
        }
        _ => plain(clap_first_line(err)),
    }
}

/// The help of the command `args` name, without the global flags: Podman lists those under
/// "Global Flags" in `rpod --help` only.
pub fn help_without_globals(root: &Command, args: &[OsString]) -> String {
    let args: Vec<String> = args.iter().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    let mut tree = root.clone();
    tree.build();
    let (path, command, _) = command_path(&tree, &args);
    let mut command = command.clone();
    if !path.is_empty() {
        let globals: Vec<clap::Id> =
            command.get_arguments().filter(|a| a.is_global_set()).map(|a| a.get_id().clone()).collect();
        for id in globals {
            command = command.mut_arg(id, |arg| arg.hide(true));
        }
    }
    command.render_help().to_string()
}

/// The subcommand names in `args` (aliases resolved to names), the command they lead to, and
/// the index in `args` after the last of them.
fn command_path<'c>(root: &'c Command, args: &[String]) -> (Vec<String>, &'c Command, usize) {
    let (mut command, mut path, mut end) = (root, Vec::new(), 0);
    let mut i = 0;
    while i < args.len() {
        let word = &args[i];
        i += 1;
        if GLOBAL_VALUE_FLAGS.contains(&word.as_str()) {
            i += 1;
        } else if !word.starts_with('-') {
            let Some(sub) = command.find_subcommand(word) else { break };
            path.push(sub.get_name().to_string());
            (command, end) = (sub, i);
        }
    }
    (path, command, end)
}

/// How many positional arguments `args` (the words after the command path) hold: flags and the
/// values of flags that take one do not count.
fn positional_count(command: &Command, args: &[String]) -> usize {
    let mut count = 0;
    let mut words = args.iter();
    while let Some(word) = words.next() {
        if word == "--" {
            return count + words.count();
        }
        if !word.starts_with('-') || word == "-" {
            count += 1;
            continue;
        }
        if word.contains('=') || GLOBAL_VALUE_FLAGS.contains(&word.as_str()) && words.next().is_some() {
            continue;
        }
        let takes_value = command.get_arguments().any(|arg| {
            let named = match word.strip_prefix("--") {
                Some(long) => arg.get_long() == Some(long),
                None => word.len() == 2 && arg.get_short() == word.chars().nth(1),
            };
            named && arg.get_action().takes_values() && arg.get_num_args().is_none_or(|n| n.min_values() > 0)
        });
        if takes_value {
            words.next();
        }
    }
    count
}

/// Podman's words for a command run without the arguments it needs: each command has its own
/// (`rpod start`, `rpod inspect`, …), the rest say cobra's `requires at least N arg(s)`.
fn missing_arguments(program: &str, command: &Command, path: &[String], received: usize) -> String {
    let words: Vec<&str> = path.iter().map(String::as_str).collect();
    let last = words.last().copied().unwrap_or_default();
    match (words.as_slice(), last) {
        (_, "start") => "start requires at least one argument".to_string(),
        (_, "exec") => "exec requires the name or ID of a container or the --latest flag".to_string(),
        ([.., "network", "inspect"], _) => format!("requires at least 1 arg(s), only received {received}"),
        (_, "inspect") => "no names or ids specified".to_string(),
        (_, "logs") => "specify at least one container name or ID to log".to_string(),
        (_, "wait") => format!("{program:?} requires a name, id, or the \"--latest\" flag"),
        (_, "systemd" | "exists" | "print") | ([.., "healthcheck", "run"], _) => {
            format!("accepts 1 arg(s), received {received}")
        }
        (_, "push" | "import") => format!("accepts between 1 and 2 arg(s), received {received}"),
        _ => {
            let needed = command.get_positionals().filter(|arg| arg.is_required_set()).count().max(1);
            format!("requires at least {needed} arg(s), only received {received}")
        }
    }
}

/// Podman's words for more arguments than a command takes.
fn too_many_arguments(program: &str, command: &Command, received: usize) -> String {
    let positionals: Vec<&clap::Arg> = command.get_positionals().collect();
    if positionals.is_empty() {
        return format!("`{program}` takes no arguments");
    }
    let most: usize = positionals.iter().map(|arg| arg.get_num_args().map_or(1, |n| n.max_values())).sum();
    format!("accepts at most {most} arg(s), received {received}")
}

/// cobra's `unrecognized command` error, with its suggestions when clap has any.
fn unrecognized_command(program: &str, word: &str, suggested: &[String]) -> String {
    if suggested.is_empty() {
        format!("unrecognized command `{program} {word}`\nTry '{program} --help' for more information")
    } else {
        format!(
            "unrecognized command `{program} {word}`\n\nDid you mean this?\n\t{}\n\nTry '{program} --help' for more information",
            suggested.join("\n\t")
        )
    }
}

fn suggestions(err: &clap::Error) -> Vec<String> {
    context_list(err, ContextKind::SuggestedSubcommand)
}

/// `--time` from clap's `--time <SECONDS>` or `--rm[=<BOOL>]`, or from a typed `--name=x`.
fn flag_name(arg: &str) -> String {
    arg.split([' ', '=', '[']).next().unwrap_or(arg).to_string()
}

/// pflag's name of a flag in errors about its value: `-t, --time` when it has a short form.
fn pflag_spelling(command: &Command, long: &str) -> String {
    let short = long
        .strip_prefix("--")
        .and_then(|name| command.get_arguments().find(|arg| arg.get_long() == Some(name)))
        .and_then(clap::Arg::get_short);
    match short {
        Some(letter) => format!("-{letter}, {long}"),
        None => long.to_string(),
    }
}

/// The flag as the user typed it when its value is missing: pflag names a short flag as
/// `'n' in -n`, a long one as `--name`.
fn typed_spelling(command: &Command, long: &str, args: &[String]) -> String {
    let short = long
        .strip_prefix("--")
        .and_then(|name| command.get_arguments().find(|arg| arg.get_long() == Some(name)))
        .and_then(clap::Arg::get_short);
    match short {
        Some(letter)
            if args.last().is_some_and(|a| a.starts_with('-') && !a.starts_with("--") && a.ends_with(letter)) =>
        {
            format!("'{letter}' in {}", args.last().map(String::as_str).unwrap_or_default())
        }
        _ => long.to_string(),
    }
}

fn context_text(err: &clap::Error, kind: ContextKind) -> Option<String> {
    match err.get(kind)? {
        ContextValue::String(text) => Some(text.clone()),
        ContextValue::Strings(texts) => texts.first().cloned(),
        _ => None,
    }
}

fn context_list(err: &clap::Error, kind: ContextKind) -> Vec<String> {
    match err.get(kind) {
        Some(ContextValue::Strings(texts)) => texts.clone(),
        Some(ContextValue::String(text)) => vec![text.clone()],
        _ => Vec::new(),
    }
}

/// clap's own complaint, first line, for the kinds Podman has no words of its own for.
fn clap_first_line(err: &clap::Error) -> String {
    let text = err.render().to_string();
    let first = text.lines().next().unwrap_or_default();
    first.strip_prefix("error: ").unwrap_or(first).to_string()
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;
    use crate::global::Cli;

    fn translated(args: &[&str]) -> UsageError {
        let argv: Vec<OsString> = std::iter::once("rpod").chain(args.iter().copied()).map(OsString::from).collect();
        let mut root = Cli::command();
        let err = root.try_get_matches_from_mut(argv.clone()).expect_err("a usage error");
        translate(&err, &argv, &root)
    }

    #[test]
    fn flag_errors_read_like_podmans_and_point_at_the_commands_help() {
        let cases: &[(&[&str], &str, Option<&str>)] = &[
            (&["create", "--bogus"], "unknown flag: --bogus", Some("See 'rpod create --help'")),
            (&["--bogus", "ps"], "unknown flag: --bogus", Some("See 'rpod --help'")),
            (&["--root", "/r", "ps", "--bogus=1"], "unknown flag: --bogus", Some("See 'rpod ps --help'")),
            (&["ps", "-z"], "unknown shorthand flag: 'z' in -z", Some("See 'rpod ps --help'")),
            (&["generate", "systemd", "--bogus"], "unknown flag: --bogus", Some("See 'rpod generate systemd --help'")),
            (&["create", "--name"], "flag needs an argument: --name", Some("See 'rpod create --help'")),
            (&["ps", "--format"], "flag needs an argument: --format", Some("See 'rpod ps --help'")),
            (
                &["create", "--rm=maybe", "x"],
                "invalid argument \"maybe\" for \"--rm\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax",
                Some("See 'rpod create --help'"),
            ),
        ];
        for (args, message, hint) in cases {
            let got = translated(args);
            assert_eq!(got.message, *message, "{args:?}");
            assert_eq!(got.hint.as_deref(), *hint, "{args:?}");
        }
    }

    #[test]
    fn argument_errors_use_each_commands_words() {
        let cases: &[(&[&str], &str)] = &[
            (&["create"], "requires at least 1 arg(s), only received 0"),
            (&["tag", "x"], "requires at least 2 arg(s), only received 1"),
            (&["start"], "start requires at least one argument"),
            (&["inspect"], "no names or ids specified"),
            (&["wait"], "\"rpod wait\" requires a name, id, or the \"--latest\" flag"),
            (&["ps", "x"], "`rpod ps` takes no arguments"),
            (&["version", "x"], "`rpod version` takes no arguments"),
        ];
        for (args, message) in cases {
            let got = translated(args);
            assert_eq!((got.message.as_str(), got.hint), (*message, None), "{args:?}");
        }
    }

    #[test]
    fn unknown_commands_are_named_with_their_parent() {
        let got = translated(&["image", "bogus"]);
        assert_eq!(got.message.lines().next(), Some("unrecognized command `rpod image bogus`"));
        assert!(got.message.ends_with("Try 'rpod image --help' for more information"), "{}", got.message);
        assert_eq!(translated(&["bogus"]).message.lines().next(), Some("unrecognized command `rpod bogus`"));
    }

    #[test]
    fn command_help_leaves_the_global_flags_out() {
        let root = Cli::command();
        let argv = |args: &[&str]| args.iter().map(OsString::from).collect::<Vec<_>>();
        let create = help_without_globals(&root, &argv(&["rpod", "create", "--help"]));
        assert!(create.contains("--cidfile") && !create.contains("--runroot"), "{create}");
        let top = help_without_globals(&root, &argv(&["rpod", "--help"]));
        assert!(top.contains("--runroot"), "{top}");
    }
}
