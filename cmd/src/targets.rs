//! The containers a command that takes names, `--all`, `--cidfile` and `--filter` acts on
//! (`stop`, `restart`), checked and chosen as Podman 5 does: the flag combinations are refused
//! with its words before anything is touched, and each container is printed as the user named it
//! (by ID when `--all` or `--filter` chose it).

use std::path::PathBuf;

use libpod::ps::PsFilter;
use libpod::{Container, ContainerStatus, Store};

/// A flag combination Podman refuses (`validate.CheckAllLatestAndIDFile`).
#[derive(Debug, PartialEq, Eq)]
pub enum TargetError {
    FilterWithNames,
    AllWithCidFile,
    AllWithNames,
    CidFileWithNames,
    NoneGiven,
}

impl std::fmt::Display for TargetError {
    /// Podman 5's words.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TargetError::FilterWithNames => "--filter takes no arguments",
            TargetError::AllWithCidFile => "--all, --latest, and --cidfile cannot be used together",
            TargetError::AllWithNames => "no arguments are needed with --all",
            TargetError::CidFileWithNames => "no arguments are needed with --latest or --cidfile",
            TargetError::NoneGiven => "you must provide at least one name or id",
        })
    }
}

impl std::error::Error for TargetError {}

/// How the user chose the containers.
#[derive(Debug, Default)]
pub struct Selection<'a> {
    /// Names or IDs on the command line.
    pub names: &'a [String],
    /// `--all`.
    pub all: bool,
    /// `--cidfile` paths.
    pub cidfiles: &'a [PathBuf],
    /// `--filter` conditions, parsed.
    pub filters: &'a [PsFilter],
    /// Of the containers `--all` or `--filter` chose, only the running ones (`stop --all`,
    /// `restart --running`); named containers are acted on whatever their state.
    pub running_only: bool,
}

impl Selection<'_> {
    /// Refuses the combinations Podman refuses.
    pub fn check(&self) -> Result<(), TargetError> {
        let (names, cidfile) = (!self.names.is_empty(), !self.cidfiles.is_empty());
        match () {
            _ if !self.filters.is_empty() && names => Err(TargetError::FilterWithNames),
            _ if !self.filters.is_empty() => Ok(()),
            _ if cidfile && self.all => Err(TargetError::AllWithCidFile),
            _ if names && self.all => Err(TargetError::AllWithNames),
            _ if names && cidfile => Err(TargetError::CidFileWithNames),
            _ if !names && !self.all && !cidfile => Err(TargetError::NoneGiven),
            _ => Ok(()),
        }
    }

    /// The containers chosen, each with the text to print for it. A name that finds no
    /// container fails the whole command before any container is acted on, as in Podman,
    /// unless `ignore_missing`. `cidfile_ids` are the IDs read from the `--cidfile` paths.
    pub fn resolve(
        &self,
        store: &Store,
        cidfile_ids: Vec<String>,
        ignore_missing: bool,
    ) -> libpod::Result<Vec<Target>> {
        if self.all || !self.filters.is_empty() {
            let all = libpod::ps::select(store, store.list()?, true, self.filters);
            return Ok(all
                .into_iter()
                .filter(|c| !self.running_only || c.state.state == ContainerStatus::Running)
                .map(|c| Target { shown: c.config.id.clone(), container: c })
                .collect());
        }
        Target::named(store, self.names.iter().cloned().chain(cidfile_ids), ignore_missing)
    }
}

/// One container a command acts on.
#[derive(Debug)]
pub struct Target {
    /// What the command prints when it succeeds: the name as typed, or the ID.
    pub shown: String,
    pub container: Container,
}

impl Target {
    /// The containers `names` name, in order; the first name that finds none is the error
    /// (skipped with `ignore_missing`).
    pub fn named(
        store: &Store,
        names: impl IntoIterator<Item = String>,
        ignore_missing: bool,
    ) -> libpod::Result<Vec<Target>> {
        let mut targets = Vec::new();
        for name in names {
            match store.lookup(&name) {
                Ok(container) => targets.push(Target { shown: name, container }),
                Err(libpod::Error::NoSuchContainer(_)) if ignore_missing => {}
                Err(err) => return Err(err),
            }
        }
        Ok(targets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_combinations_are_refused_as_podman_refuses_them() {
        let names = ["web".to_string()];
        let files = [PathBuf::from("/run/web.cid")];
        let filters = [PsFilter::Name("w".into())];
        let cases: Vec<(Selection, Result<(), TargetError>)> = vec![
            (Selection { names: &names, ..Default::default() }, Ok(())),
            (Selection { all: true, ..Default::default() }, Ok(())),
            (Selection { cidfiles: &files, ..Default::default() }, Ok(())),
            (Selection { filters: &filters, ..Default::default() }, Ok(())),
            (Selection::default(), Err(TargetError::NoneGiven)),
            (Selection { names: &names, all: true, ..Default::default() }, Err(TargetError::AllWithNames)),
            (Selection { cidfiles: &files, all: true, ..Default::default() }, Err(TargetError::AllWithCidFile)),
            (Selection { names: &names, cidfiles: &files, ..Default::default() }, Err(TargetError::CidFileWithNames)),
            (Selection { names: &names, filters: &filters, ..Default::default() }, Err(TargetError::FilterWithNames)),
        ];
        for (selection, want) in cases {
            assert_eq!(selection.check(), want, "{selection:?}");
        }
        assert_eq!(TargetError::NoneGiven.to_string(), "you must provide at least one name or id");
    }
}
