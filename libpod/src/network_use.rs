//! Network definitions as containers use them: what `network ls --filter` selects (Podman's
//! keys, values of one key OR-ed, keys AND-ed), what `network rm` refuses without `-f`, and what
//! `network prune` removes. The definitions live in the network config directory
//! ([`network::NetworkConfigDir`]); which container joined which network lives in each
//! container's config (`newNetworks`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use network::netavark::NetInterface;
use network::{Network, NetworkConfigDir, NetworkError, NetworkName};
use regex::Regex;
use serde::Serialize;

use crate::filters::{has_entry, key_and_value, match_all, parse_until};
use crate::{Runtime, Store};

/// One `--filter KEY=VALUE` of `network ls` or `network prune`, checked when parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum NetworkFilter {
    /// `name=`: a regular expression found in the name (`web`, `^web$`).
    Name(FilterPattern),
    /// `id=`: a regular expression found in the full ID.
    Id(FilterPattern),
    Driver(String),
    /// `label=KEY` or `label=KEY=VALUE`.
    Label {
        key: String,
        value: Option<String>,
    },
    /// `label!=KEY[=VALUE]`: networks without that label (matching here means having it).
    NotLabel {
        key: String,
        value: Option<String>,
    },
    /// `until=`: created before a time (RFC 3339, Unix seconds, or a Go duration ago).
    Until(DateTime<Utc>),
    /// `dangling=true|false`: used by no container (the default network never is), or used.
    Dangling(bool),
}

/// A regular expression as Podman's `name=` and `id=` filters take it: found anywhere unless
/// anchored; one that does not compile matches nothing, as in Podman.
#[derive(Debug, Clone)]
pub struct FilterPattern {
    text: String,
    regex: Option<Regex>,
}

impl FilterPattern {
    pub fn new(text: &str) -> FilterPattern {
        FilterPattern { text: text.to_string(), regex: Regex::new(text).ok() }
    }

    fn is_match(&self, subject: &str) -> bool {
        self.regex.as_ref().is_some_and(|r| r.is_match(subject))
    }
}

impl PartialEq for FilterPattern {
    fn eq(&self, other: &FilterPattern) -> bool {
        self.text == other.text
    }
}

/// Which keys a command takes: `network prune` only `label`, `label!` and `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkFilterUse {
    List,
    Prune,
}

/// Why a network command failed: a filter, the definitions, or the container store.
#[derive(Debug, thiserror::Error)]
pub enum NetworkUseError {
    #[error("invalid filter {0:?}")]
    UnknownFilterKey(String),
    #[error("filter input must be in the form of filter=value: {0} is invalid")]
    FilterWithoutValue(String),
    #[error("invalid dangling filter value {0:?}")]
    InvalidDangling(String),
    #[error("got more than one value for filter key \"dangling\"")]
    DanglingTwice,
    #[error("failed to parse value as time or duration: {0:?}")]
    InvalidUntil(String),
    /// Podman's refusal to remove a network containers use (exit code 2).
    #[error(
        "{0:?} has associated containers with it. Use -f to forcibly delete containers and pods: network is being used"
    )]
    InUse(String),
    #[error(transparent)]
    Network(#[from] NetworkError),
    #[error(transparent)]
    Store(#[from] crate::Error),
}

impl NetworkFilter {
    /// Parses `KEY=VALUE`, refusing keys `usage` does not take in Podman's words.
    pub fn parse(text: &str, usage: NetworkFilterUse, now: DateTime<Utc>) -> Result<NetworkFilter, NetworkUseError> {
        let (key, value) = text.split_once('=').ok_or_else(|| NetworkUseError::FilterWithoutValue(text.to_string()))?;
        let filter = match (key.to_ascii_lowercase().as_str(), usage) {
            ("label", _) => {
                let (key, value) = key_and_value(value);
                NetworkFilter::Label { key, value }
            }
            ("label!", _) => {
                let (key, value) = key_and_value(value);
                NetworkFilter::NotLabel { key, value }
            }
            ("until", _) => NetworkFilter::Until(
                parse_until(value, now).ok_or_else(|| NetworkUseError::InvalidUntil(value.to_string()))?,
            ),
            ("name", NetworkFilterUse::List) => NetworkFilter::Name(FilterPattern::new(value)),
            ("id", NetworkFilterUse::List) => NetworkFilter::Id(FilterPattern::new(value)),
            ("driver", NetworkFilterUse::List) => NetworkFilter::Driver(value.to_string()),
            ("dangling", NetworkFilterUse::List) => NetworkFilter::Dangling(
                crate::flag_values::parse_go_bool(value)
                    .ok_or_else(|| NetworkUseError::InvalidDangling(value.to_string()))?,
            ),
            _ => return Err(NetworkUseError::UnknownFilterKey(key.to_string())),
        };
        Ok(filter)
    }

    /// Parses every `--filter`; `dangling` may be given once only, as in Podman.
    pub fn parse_all(
        texts: &[String],
        usage: NetworkFilterUse,
        now: DateTime<Utc>,
    ) -> Result<Vec<NetworkFilter>, NetworkUseError> {
        let filters = texts.iter().map(|t| NetworkFilter::parse(t, usage, now)).collect::<Result<Vec<_>, _>>()?;
        if filters.iter().filter(|f| matches!(f, NetworkFilter::Dangling(_))).count() > 1 {
            return Err(NetworkUseError::DanglingTwice);
        }
        Ok(filters)
    }

    fn key(&self) -> &'static str {
        match self {
            NetworkFilter::Name(_) => "name",
            NetworkFilter::Id(_) => "id",
            NetworkFilter::Driver(_) => "driver",
            NetworkFilter::Label { .. } => "label",
            NetworkFilter::NotLabel { .. } => "label!",
            NetworkFilter::Until(_) => "until",
            NetworkFilter::Dangling(_) => "dangling",
        }
    }

    fn matches(&self, network: &Network, in_use: bool) -> bool {
        match self {
            NetworkFilter::Name(pattern) => pattern.is_match(network.name.as_str()),
            NetworkFilter::Id(pattern) => pattern.is_match(&network.id),
            NetworkFilter::Driver(driver) => network.driver == *driver,
            NetworkFilter::Label { key, value } => has_entry(&network.labels, key, value.as_deref()),
            NetworkFilter::NotLabel { key, value } => has_entry(&network.labels, key, value.as_deref()),
            NetworkFilter::Until(time) => network.created < *time,
            NetworkFilter::Dangling(dangling) => *dangling != in_use,
        }
    }
}

/// Whether `network` passes `filters`: for `label=` every value must match and for `label!=`
/// not all of them (Podman's label rule); for the other keys any value of a key will do, and
/// every key must.
pub fn network_matches(filters: &[NetworkFilter], network: &Network, in_use: bool) -> bool {
    let (labels, others): (Vec<&NetworkFilter>, Vec<&NetworkFilter>) =
        filters.iter().partition(|f| matches!(f, NetworkFilter::Label { .. } | NetworkFilter::NotLabel { .. }));
    let all_of =
        |wanted: fn(&NetworkFilter) -> bool| labels.iter().filter(|f| wanted(f)).all(|f| f.matches(network, in_use));
    let has_not_labels = labels.iter().any(|f| matches!(f, NetworkFilter::NotLabel { .. }));
    all_of(|f| matches!(f, NetworkFilter::Label { .. }))
        && (!has_not_labels || !all_of(|f| matches!(f, NetworkFilter::NotLabel { .. })))
        && match_all(&others, |f| f.key(), |f| f.matches(network, in_use))
}

impl Store {
    /// The IDs of the containers that joined network `name`, oldest first.
    pub fn network_users(&self, name: &NetworkName) -> crate::Result<Vec<String>> {
        Ok(self
            .list()?
            .into_iter()
            .filter(|c| c.config.network.networks.contains_key(name.as_str()))
            .map(|c| c.config.id)
            .collect())
    }

    /// The names of the networks some container joined.
    pub fn networks_in_use(&self) -> crate::Result<BTreeSet<String>> {
        Ok(self.list()?.into_iter().flat_map(|c| c.config.network.networks.into_keys()).collect())
    }
}

/// What Podman 5's `network inspect` prints for a network: its definition and the containers
/// running on it (by ID), with their interfaces there.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkInspectReport {
    #[serde(flatten)]
    pub network: Network,
    pub containers: BTreeMap<String, NetworkContainerInfo>,
}

/// A container on a network, as `network inspect` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkContainerInfo {
    pub name: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub interfaces: BTreeMap<String, NetInterface>,
}

/// `networks` with the containers whose network setup (netavark's answer, kept in their
/// state while they run) includes each.
pub fn inspect_reports(store: &Store, networks: Vec<Network>) -> crate::Result<Vec<NetworkInspectReport>> {
    let containers = store.list()?;
    Ok(networks
        .into_iter()
        .map(|network| {
            let on_it = containers.iter().filter_map(|c| {
                let status = c.state.network.status.get(network.name.as_str())?;
                let info = NetworkContainerInfo { name: c.config.name.clone(), interfaces: status.interfaces.clone() };
                Some((c.config.id.clone(), info))
            });
            NetworkInspectReport { containers: on_it.collect(), network }
        })
        .collect())
}

/// The networks `filters` select, by name. Used means joined by a container, and the default
/// network always counts as used (Podman never calls it dangling).
pub fn list_networks(
    dir: &NetworkConfigDir,
    store: &Store,
    filters: &[NetworkFilter],
) -> Result<Vec<Network>, NetworkUseError> {
    let in_use = if filters.iter().any(|f| matches!(f, NetworkFilter::Dangling(_))) {
        store.networks_in_use()?
    } else {
        BTreeSet::new()
    };
    let used = |n: &Network| dir.is_default(n) || in_use.contains(n.name.as_str());
    Ok(dir.list()?.into_iter().filter(|n| network_matches(filters, n, used(n))).collect())
}

/// Removes the network `name_or_id`: refused while containers use it, unless `force`, which
/// removes those containers first (stopping them within `stop_timeout`). Returns its name.
pub fn remove_network(
    dir: &NetworkConfigDir,
    runtime: &Runtime<'_>,
    store: &Store,
    name_or_id: &str,
    force: bool,
    stop_timeout: Option<u32>,
) -> Result<NetworkName, NetworkUseError> {
    let network = dir.load(name_or_id)?;
    // Podman looks at the containers first: the default network in use is "in use" (exit 2).
    let users = store.network_users(&network.name)?;
    if !users.is_empty() && !force {
        return Err(NetworkUseError::InUse(name_or_id.to_string()));
    }
    if dir.is_default(&network) {
        return Err(NetworkError::RemoveDefault(network.name.to_string()).into());
    }
    for id in users {
        match store.lookup(&id) {
            Ok(container) => runtime.remove(&container, true, stop_timeout)?,
            Err(crate::Error::NoSuchContainer(_)) => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(dir.remove(network.name.as_str())?.name)
}

/// A pruned network's name, and the error if removing it failed.
pub type PruneOutcome = (NetworkName, Result<(), NetworkError>);

/// Removes every network no container uses that `filters` select (never the default one); the
/// name of each, with the error when its removal failed.
pub fn prune_networks(
    dir: &NetworkConfigDir,
    store: &Store,
    filters: &[NetworkFilter],
) -> Result<Vec<PruneOutcome>, NetworkUseError> {
    let in_use = store.networks_in_use()?;
    let unused = dir.list()?.into_iter().filter(|n| !dir.is_default(n) && !in_use.contains(n.name.as_str()));
    Ok(unused
        .filter(|n| network_matches(filters, n, false))
        .map(|n| {
            let removed = dir.remove(n.name.as_str()).map(drop);
            (n.name, removed)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(2_000_000_000, 0).unwrap()
    }

    fn parse(text: &str, usage: NetworkFilterUse) -> Result<NetworkFilter, String> {
        NetworkFilter::parse(text, usage, now()).map_err(|e| e.to_string())
    }

    #[test]
    fn filters_parse_with_podmans_errors() {
        use NetworkFilterUse::{List, Prune};
        assert_eq!(parse("name=web", List), Ok(NetworkFilter::Name(FilterPattern::new("web"))));
        assert_eq!(
            parse("label!=a=b", Prune),
            Ok(NetworkFilter::NotLabel { key: "a".into(), value: Some("b".into()) })
        );
        assert_eq!(parse("dangling=1", List), Ok(NetworkFilter::Dangling(true)));
        assert_eq!(parse("bogus=1", List).unwrap_err(), "invalid filter \"bogus\"");
        assert_eq!(parse("name=x", Prune).unwrap_err(), "invalid filter \"name\"");
        assert_eq!(
            parse("name", List).unwrap_err(),
            "filter input must be in the form of filter=value: name is invalid"
        );
        assert_eq!(parse("dangling=maybe", List).unwrap_err(), "invalid dangling filter value \"maybe\"");
        assert_eq!(parse("until=bogus", List).unwrap_err(), "failed to parse value as time or duration: \"bogus\"");
        let twice = ["dangling=true".to_string(), "dangling=false".to_string()];
        assert!(matches!(NetworkFilter::parse_all(&twice, List, now()), Err(NetworkUseError::DanglingTwice)));
    }

    #[test]
    fn filters_match_as_podmans() {
        let mut net = network::testing::network("web");
        net.labels.insert("tier".into(), "front".into());
        let filters = |texts: &[&str]| {
            let texts: Vec<String> = texts.iter().map(|t| t.to_string()).collect();
            NetworkFilter::parse_all(&texts, NetworkFilterUse::List, now()).unwrap()
        };
        assert!(network_matches(&filters(&["name=we", "name=zzz", "driver=bridge"]), &net, false));
        assert!(!network_matches(&filters(&["name=we", "driver=macvlan"]), &net, false));
        assert!(network_matches(&filters(&["name=^web$"]), &net, false), "Podman's regular expressions");
        assert!(!network_matches(&filters(&["name=^eb"]), &net, false));
        assert!(!network_matches(&filters(&["name=["]), &net, false), "a bad expression matches nothing");
        assert!(network_matches(&filters(&["id=^aaa"]), &net, false));
        assert!(network_matches(&filters(&["label=tier=front", "label!=x"]), &net, false));
        assert!(!network_matches(&filters(&["label!=tier"]), &net, false));
        assert!(!network_matches(&filters(&["label=tier", "label=x"]), &net, false), "every label value must match");
        assert!(network_matches(&filters(&["label!=tier", "label!=x"]), &net, false), "not all of them present");
        assert!(network_matches(&filters(&["until=10s"]), &net, false), "created at Go's zero time");
        assert!(network_matches(&filters(&["dangling=false"]), &net, true));
        assert!(!network_matches(&filters(&["dangling=true"]), &net, true));
    }
}
