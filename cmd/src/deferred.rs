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
