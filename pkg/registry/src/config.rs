//! registries.conf(5): which registries are insecure (plain HTTP or unverified TLS allowed),
//! which are blocked, and which mirrors to try before them. Read from `CONTAINERS_REGISTRIES_CONF`, else
//! `/etc/containers/registries.conf` and its `registries.conf.d/*.conf` drop-ins.

use std::path::{Path, PathBuf};

use image::ImageReference;
use serde::Deserialize;

use crate::error::{Error, Result};

/// The settings rpod takes from registries.conf.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegistriesConf {
    entries: Vec<RegistryEntry>,
}

/// One `[[registry]]` table.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct RegistryEntry {
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub prefix: String,
    #[serde(default)]
    pub insecure: bool,
    #[serde(default)]
    pub blocked: bool,
    /// `[[registry.mirror]]` tables, tried in order before the registry itself.
    #[serde(default)]
    pub mirror: Vec<MirrorEntry>,
    /// Use the mirrors only for references by digest (a tag on a mirror may lag behind).
    #[serde(default, rename = "mirror-by-digest-only")]
    pub mirror_by_digest_only: bool,
}

/// One mirror of a registry: where it is and whether it is insecure.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct MirrorEntry {
    pub location: String,
    #[serde(default)]
    pub insecure: bool,
}

#[derive(Debug, Default, Deserialize)]
struct FileFormat {
    #[serde(default)]
    registry: Vec<RegistryEntry>,
    /// The version 1 format: `[registries.insecure] registries = [...]`.
    #[serde(default)]
    registries: Option<V1Tables>,
}

#[derive(Debug, Default, Deserialize)]
struct V1Tables {
    #[serde(default)]
    insecure: Option<V1List>,
    #[serde(default)]
    block: Option<V1List>,
}

#[derive(Debug, Default, Deserialize)]
struct V1List {
    #[serde(default)]
    registries: Vec<String>,
}

impl RegistriesConf {
    /// Loads the system configuration (missing files are simply absent).
    pub fn load() -> Result<RegistriesConf> {
        let mut conf = RegistriesConf::default();
        let paths: Vec<PathBuf> = match std::env::var_os("CONTAINERS_REGISTRIES_CONF") {
            Some(path) => vec![PathBuf::from(path)],
            None => {
                let mut paths = vec![PathBuf::from("/etc/containers/registries.conf")];
                paths.extend(drop_ins(Path::new("/etc/containers/registries.conf.d")));
                paths
            }
        };
        for path in paths {
            if let Ok(text) = std::fs::read_to_string(&path) {
                conf.add(&path, &text)?;
            }
        }
        Ok(conf)
    }

    /// Adds the entries of one file's text (later files win).
    pub fn add(&mut self, path: &Path, text: &str) -> Result<()> {
        let file: FileFormat =
            toml::from_str(text).map_err(|e| Error::Config { path: path.to_path_buf(), reason: e.to_string() })?;
        // A mirror's own `insecure` governs requests to the mirror's location.
        let insecure_mirrors: Vec<RegistryEntry> = file
            .registry
            .iter()
            .flat_map(|e| &e.mirror)
            .filter(|m| m.insecure)
            .map(|m| RegistryEntry { location: m.location.clone(), insecure: true, ..Default::default() })
            .collect();
        self.entries.extend(insecure_mirrors);
        self.entries.extend(file.registry);
        if let Some(v1) = file.registries {
            let v1_entry = |location: String, insecure: bool| RegistryEntry {
                location,
                insecure,
                blocked: !insecure,
                ..Default::default()
            };
            self.entries.extend(v1.insecure.unwrap_or_default().registries.into_iter().map(|r| v1_entry(r, true)));
            self.entries.extend(v1.block.unwrap_or_default().registries.into_iter().map(|r| v1_entry(r, false)));
        }
        Ok(())
    }

    /// The entry that governs `repository` (`host[:port]/path`): the longest matching prefix.
    fn entry_for(&self, repository: &str) -> Option<&RegistryEntry> {
        self.entries
            .iter()
            .rev()
            .filter(|e| {
                let prefix = if e.prefix.is_empty() { &e.location } else { &e.prefix };
                !prefix.is_empty() && (repository == prefix || repository.starts_with(&format!("{prefix}/")))
            })
            .max_by_key(|e| if e.prefix.is_empty() { e.location.len() } else { e.prefix.len() })
    }

    /// Where to look for `reference`, in order: its mirrors (only for a digest reference when
    /// the entry says `mirror-by-digest-only`), then the registry itself. A mirror replaces the
    /// part of the name that matched the entry's prefix.
    pub fn sources(&self, reference: &ImageReference) -> Vec<ImageReference> {
        let repository = reference.repository();
        let mut sources = Vec::new();
        if let Some(entry) = self.entry_for(&repository) {
            let prefix = if entry.prefix.is_empty() { &entry.location } else { &entry.prefix };
            let rest = &repository[prefix.len()..];
            if !entry.mirror_by_digest_only || reference.digest.is_some() {
                let suffix = match (&reference.digest, &reference.tag) {
                    (Some(digest), _) => format!("@{digest}"),
                    (None, Some(tag)) => format!(":{tag}"),
                    (None, None) => String::new(),
                };
                let mirrors = entry
                    .mirror
                    .iter()
                    .filter_map(|m| ImageReference::parse(&format!("{}{rest}{suffix}", m.location)).ok());
                sources.extend(mirrors);
            }
        }
        sources.push(reference.clone());
        sources
    }

    /// Whether plain HTTP and unverified TLS are allowed for `repository`.
    pub fn is_insecure(&self, repository: &str) -> bool {
        self.entry_for(repository).is_some_and(|e| e.insecure)
    }

    /// Whether pulls from `repository` are refused.
    pub fn is_blocked(&self, repository: &str) -> bool {
        self.entry_for(repository).is_some_and(|e| e.blocked)
    }
}

fn drop_ins(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut paths: Vec<PathBuf> =
        entries.filter_map(|e| Some(e.ok()?.path())).filter(|p| p.extension().is_some_and(|x| x == "conf")).collect();
    paths.sort();
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_and_v1_formats() {
        let mut conf = RegistriesConf::default();
        conf.add(Path::new("a"), "[[registry]]\nlocation = \"127.0.0.1:5000\"\ninsecure = true\n[[registry]]\nlocation = \"evil.example\"\nblocked = true\n").unwrap();
        conf.add(Path::new("b"), "[registries.insecure]\nregistries = [\"localhost:6000\"]\n").unwrap();
        assert!(conf.is_insecure("127.0.0.1:5000/app"));
        assert!(!conf.is_insecure("127.0.0.1:5001/app"));
        assert!(conf.is_insecure("localhost:6000/x/y"));
        assert!(conf.is_blocked("evil.example/x"));
        assert!(!conf.is_blocked("quay.io/x"));
    }

    #[test]
    fn mirrors_come_first_and_keep_the_rest_of_the_name() {
        let mut conf = RegistriesConf::default();
        let text = "[[registry]]\nlocation = \"primary.example:5000\"\n[[registry.mirror]]\nlocation = \"127.0.0.1:6000/cache\"\ninsecure = true\n\n[[registry]]\nprefix = \"pinned.example/team\"\nlocation = \"pinned.example/team\"\nmirror-by-digest-only = true\n[[registry.mirror]]\nlocation = \"m.example/team\"\n";
        conf.add(Path::new("m.conf"), text).unwrap();
        let digest = format!("sha256:{}", "a".repeat(64));
        let cases: Vec<(String, Vec<String>)> = vec![
            (
                "primary.example:5000/app/web:1".into(),
                vec!["127.0.0.1:6000/cache/app/web:1".into(), "primary.example:5000/app/web:1".into()],
            ),
            ("pinned.example/team/app:2".into(), vec!["pinned.example/team/app:2".into()]),
            (
                format!("pinned.example/team/app@{digest}"),
                vec![format!("m.example/team/app@{digest}"), format!("pinned.example/team/app@{digest}")],
            ),
            ("quay.io/x/y:3".into(), vec!["quay.io/x/y:3".into()]),
        ];
        for (input, want) in cases {
            let got: Vec<String> =
                conf.sources(&ImageReference::parse(&input).unwrap()).iter().map(ToString::to_string).collect();
            assert_eq!(got, want, "{input}");
        }
        assert!(conf.is_insecure("127.0.0.1:6000/cache/app/web"), "a mirror's insecure flag applies to it");
        assert!(!conf.is_insecure("primary.example:5000/app"));
    }

    #[test]
    fn bad_toml_names_the_file() {
        let err = RegistriesConf::default().add(Path::new("/etc/x.conf"), "[[registry]\n").unwrap_err();
        assert!(err.to_string().contains("/etc/x.conf"));
    }
}
