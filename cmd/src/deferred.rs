//! Subcommand flags that clap builds only for the command being run.
//!
//! clap's derive builds every subcommand's flags before it parses anything, and tears them down
//! again afterwards. With `create` and `run` carrying Podman's long flag lists, that was over half
//! of rpod's start-up: about 0.5 ms of every `rpod generate systemd` and `rpod create`, the two
//! commands an operator's scripts and systemd units run most. [`Deferred`] hands a subcommand's
//! flag definitions to [`clap::Command::defer`], which runs them only when clap builds that
//! subcommand: when it is the one on the command line, or for `--help` and completions, which
//! build the whole tree.

use clap::{ArgMatches, Args, Command, FromArgMatches};

/// A subcommand's arguments `T`, declared to clap only when that subcommand is used.
#[derive(Debug)]
pub struct Deferred<T>(pub T);

impl<T: Args> Args for Deferred<T> {
    fn augment_args(cmd: Command) -> Command {
        cmd.defer(T::augment_args)
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        cmd.defer(T::augment_args_for_update)
    }
}

impl<T: FromArgMatches> FromArgMatches for Deferred<T> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches(matches).map(Deferred)
    }

    fn from_arg_matches_mut(matches: &mut ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches_mut(matches).map(Deferred)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(matches)
    }

    fn update_from_arg_matches_mut(&mut self, matches: &mut ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches_mut(matches)
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use crate::global::Cli;

    #[test]
    fn building_the_whole_tree_runs_every_deferred_definition() {
        let mut cli = Cli::command();
        cli.build();
        let create = cli.find_subcommand("create").expect("create");
        assert!(create.get_arguments().any(|arg| arg.get_long() == Some("cidfile")), "create's flags are defined");
        let short_h = create.get_arguments().find(|arg| arg.get_short() == Some('h')).expect("create has -h");
        assert_eq!(short_h.get_long(), Some("hostname"), "the variant's settings (no -h for help) still apply");
        let systemd =
            cli.find_subcommand("generate").and_then(|g| g.find_subcommand("systemd")).expect("generate systemd");
        assert!(systemd.get_arguments().any(|arg| arg.get_long() == Some("new")));
    }

    #[test]
    fn the_command_definitions_are_consistent() {
        Cli::command().debug_assert();
    }
}
