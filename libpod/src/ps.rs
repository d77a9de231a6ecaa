//! `ps`: which containers to list (`-a`, `--filter`) and the JSON entry Podman prints for each
//! (`entities.ListContainer`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::filters;
use crate::state::ContainerStatus;
use crate::store::{Container, Store};

/// One `--filter` condition; several of the same key match any, different keys must all match.
#[derive(Debug, Clone, PartialEq)]
pub enum PsFilter {
    /// `label=key` or `label=key=value`.
    Label(String, Option<String>),
    /// `name=substring`.
    Name(String),
    /// `id=prefix`.
    Id(String),
    /// `status=created|running|exited|stopped` (Podman's other states, which rpod containers
    /// never rest in, are accepted and match nothing).
    Status(String),
    /// `health=healthy|unhealthy|starting`: the health status; `none` (as Docker's) matches
    /// containers without a health check.
    Health(String),
}

/// The `ps --filter` keys Podman 5 knows that rpod does not filter on yet: refused with a
/// message of their own rather than Podman's "invalid filter".
const UNSUPPORTED_KEYS: [&str; 10] =
    ["label!", "exited", "ancestor", "before", "since", "volume", "pod", "network", "until", "restart-policy"];

/// Podman's container state names, as `status=` takes them.
const STATES: [&str; 8] = ["created", "initialized", "running", "stopped", "paused", "exited", "removing", "unknown"];

impl PsFilter {
    /// Parses `key=value` as `ps --filter` takes it.
    pub fn parse(text: &str) -> Result<PsFilter> {
        let invalid = || Error::InvalidFilter(text.to_string());
        let (key, value) = text.split_once('=').ok_or_else(invalid)?;
        Ok(match key {
            "label" => {
                let (key, value) = filters::key_and_value(value);
                PsFilter::Label(key, value)
            }
            "name" => PsFilter::Name(value.to_string()),
            "id" => PsFilter::Id(value.to_string()),
            "status" if STATES.contains(&value) => PsFilter::Status(value.to_string()),
            "status" => return Err(Error::UnknownState(value.to_string())),
            "health" => PsFilter::Health(value.to_string()),
            _ if UNSUPPORTED_KEYS.contains(&key) => return Err(Error::UnsupportedFilter(key.to_string())),
            _ => return Err(Error::UnknownFilterKey(key.to_string())),
        })
    }

    fn key(&self) -> &'static str {
        match self {
            PsFilter::Label(..) => "label",
            PsFilter::Name(_) => "name",
            PsFilter::Id(_) => "id",
            PsFilter::Status(_) => "status",
            PsFilter::Health(_) => "health",
        }
    }

    fn matches(&self, container: &Container, store: &Store) -> bool {
        let config = &container.config;
        match self {
            PsFilter::Label(key, value) => filters::has_entry(&config.labels, key, value.as_deref()),
            PsFilter::Name(part) => config.name.contains(part.as_str()),
            PsFilter::Id(prefix) => config.id.starts_with(prefix.as_str()),
            PsFilter::Status(status) => container.state.state.as_str() == status,
            PsFilter::Health(word) => match crate::health::container_health(store, container) {
                Some(health) => health.status.as_str() == word,
                None => word == "none",
            },
        }
    }
}

/// The containers `ps` shows: running ones, or all with `-a`, narrowed by the filters (the
/// health of the containers of `store` is read for `health=`).
pub fn select(store: &Store, containers: Vec<Container>, all: bool, filters: &[PsFilter]) -> Vec<Container> {
    containers
        .into_iter()
        .filter(|c| all || c.state.state == ContainerStatus::Running || !filters.is_empty())
        .filter(|c| filters::match_all(filters, PsFilter::key, |f| f.matches(c, store)))
        .collect()
}

/// `ps --format json` element, with Podman's keys.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListContainer {
    pub auto_remove: bool,
    pub command: Vec<String>,
    /// Unix seconds.
    pub created: i64,
    pub created_at: String,
    pub exit_code: i32,
    pub exited: bool,
    pub exited_at: i64,
    pub id: String,
    pub image: String,
    #[serde(rename = "ImageID")]
    pub image_id: String,
    pub labels: Option<BTreeMap<String, String>>,
    pub names: Vec<String>,
    pub pid: i32,
    pub started_at: i64,
    pub state: &'static str,
    /// The health status (`healthy`, …), empty without a health check; filled by
    /// [`ListContainer::with_health`].
    pub status: String,
}

impl ListContainer {
    /// Fills `Status` from the container's health check log under `store`.
    pub fn with_health(mut self, container: &Container, store: &Store) -> Self {
        let health = crate::health::container_health(store, container);
        self.status = health.map(|h| h.status.as_str().to_string()).unwrap_or_default();
        self
    }
}

impl From<&Container> for ListContainer {
    fn from(container: &Container) -> Self {
        let (config, state) = (&container.config, &container.state);
        let unix = |t: Option<DateTime<Utc>>| t.map(|t| t.timestamp()).unwrap_or(0);
        ListContainer {
            auto_remove: config.auto_remove,
            command: config.entrypoint.iter().chain(&config.command).cloned().collect(),
            created: config.created_time.timestamp(),
            created_at: config.created_time.to_rfc3339(),
            exit_code: state.exit_code,
            exited: matches!(state.state, ContainerStatus::Exited | ContainerStatus::Stopped),
            exited_at: unix(state.finished_time),
            id: config.id.clone(),
            image: config.rootfs_image_name.clone(),
            image_id: config.rootfs_image_id.clone(),
            labels: (!config.labels.is_empty()).then(|| config.labels.clone()),
            names: vec![config.name.clone()],
            pid: state.pid,
            started_at: unix(state.started_time),
            state: state.state.as_str(),
            status: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse() {
        assert_eq!(PsFilter::parse("label=a=b").unwrap(), PsFilter::Label("a".into(), Some("b".into())));
        assert_eq!(PsFilter::parse("label=a").unwrap(), PsFilter::Label("a".into(), None));
        assert_eq!(PsFilter::parse("name=web").unwrap(), PsFilter::Name("web".into()));
        assert_eq!(PsFilter::parse("bogus").unwrap_err().to_string(), r#"invalid filter "bogus""#);
        assert_eq!(PsFilter::parse("color=red").unwrap_err().to_string(), "color is an invalid filter");
        assert_eq!(PsFilter::parse("status=paused").unwrap(), PsFilter::Status("paused".into()));
        assert_eq!(PsFilter::parse("health=healthy").unwrap(), PsFilter::Health("healthy".into()));
        assert_eq!(
            PsFilter::parse("status=bogus").unwrap_err().to_string(),
            "unknown container state: bogus: invalid argument"
        );
        assert_eq!(
            PsFilter::parse("since=web").unwrap_err().to_string(),
            "the \"since\" filter is not supported by rpod yet"
        );
    }
}
