//! `image inspect` and `images --format json` data with Podman's JSON keys (libpod/define/image_inspect.go's subset that
//! rpod knows), built from a stored record so that every command shows an image the same way.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::store::ImageRecord;

/// One image as `podman image inspect` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageInspect {
    pub id: String,
    pub digest: String,
    pub repo_tags: Vec<String>,
    pub repo_digests: Vec<String>,
    pub created: DateTime<Utc>,
    pub config: InspectConfig,
    pub architecture: String,
    pub os: String,
    pub variant: String,
    pub size: u64,
    #[serde(rename = "RootFS")]
    pub root_fs: RootFs,
    pub dangling: bool,
}

/// The `Config` object: what a container started from the image gets by default.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InspectConfig {
    pub env: Vec<String>,
    pub cmd: Vec<String>,
    pub entrypoint: Vec<String>,
    /// `{"/data": {}}` for each `VOLUME`; absent when the image declares none, as in Podman.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub volumes: BTreeMap<String, serde_json::Value>,
    pub working_dir: String,
    pub user: String,
    /// `null` when the image has none, as Podman prints it.
    pub labels: Option<BTreeMap<String, String>>,
    pub stop_signal: String,
}

/// The `RootFS` object: the layers' diff IDs, lowest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RootFs {
    #[serde(rename = "Type")]
    pub kind: String,
    pub layers: Vec<String>,
}

impl From<&ImageRecord> for ImageInspect {
    fn from(record: &ImageRecord) -> ImageInspect {
        let config = &record.config;
        ImageInspect {
            id: record.id.clone(),
            digest: record.manifest_digest.clone(),
            repo_tags: record.tagged_names(),
            repo_digests: record.repo_digests(),
            created: record.created,
            config: InspectConfig {
                env: config.env.clone(),
                cmd: config.cmd.clone(),
                entrypoint: config.entrypoint.clone(),
                volumes: config.volumes.iter().map(|v| (v.clone(), serde_json::json!({}))).collect(),
                working_dir: config.working_dir.clone(),
                user: config.user.clone(),
                labels: (!config.labels.is_empty()).then(|| config.labels.clone()),
                stop_signal: config.stop_signal.clone(),
            },
            architecture: record.platform.architecture.clone(),
            os: record.platform.os.clone(),
            variant: record.platform.variant.clone(),
            size: record.size,
            root_fs: RootFs {
                kind: "layers".into(),
                layers: record.layers.iter().map(|l| l.diff_id.clone()).collect(),
            },
            dangling: record.names.is_empty(),
        }
    }
}

/// One image as `podman images --format json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageSummary {
    pub id: String,
    /// rpod keeps no parent images: always empty, as for any pulled image in Podman.
    pub parent_id: String,
    pub repo_tags: Vec<String>,
    pub repo_digests: Vec<String>,
    pub size: u64,
    pub shared_size: u64,
    pub virtual_size: u64,
    pub labels: Option<BTreeMap<String, String>>,
    /// How many containers use the image.
    pub containers: usize,
    pub names: Vec<String>,
    pub digest: String,
    /// Names the image has had; rpod records only the current ones.
    pub history: Vec<String>,
    /// Unix seconds.
    pub created: i64,
    pub created_at: String,
}

impl ImageSummary {
    /// The summary of `record`, which `containers` containers use.
    pub fn new(record: &ImageRecord, containers: usize) -> ImageSummary {
        let labels = &record.config.labels;
        ImageSummary {
            id: record.id.clone(),
            parent_id: String::new(),
            repo_tags: record.tagged_names(),
            repo_digests: record.repo_digests(),
            size: record.size,
            shared_size: 0,
            virtual_size: record.size,
            labels: (!labels.is_empty()).then(|| labels.clone()),
            containers,
            names: record.names.clone(),
            digest: record.manifest_digest.clone(),
            history: record.names.clone(),
            created: record.created.timestamp(),
            created_at: record.created.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_podmans() {
        let mut record: ImageRecord = serde_json::from_value(serde_json::json!({
            "id": "a".repeat(64), "digests": [format!("sha256:{}", "b".repeat(64))],
            "manifest_digest": format!("sha256:{}", "b".repeat(64)),
            "platform": {"architecture": "amd64", "os": "linux"}, "size": 10, "created": "2024-01-02T03:04:05Z",
            "config": {"entrypoint": [], "cmd": ["sh"], "env": [], "working_dir": "", "user": "", "stop_signal": "", "labels": {}},
            "layers": [{"digest": format!("sha256:{}", "c".repeat(64)), "diff_id": format!("sha256:{}", "d".repeat(64)), "media_type": "x", "size": 9}]
        }))
        .unwrap();
        record.names = vec!["quay.io/x/app:1".into()];
        let json = serde_json::to_value(ImageInspect::from(&record)).unwrap();
        let mut keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "Architecture",
                "Config",
                "Created",
                "Dangling",
                "Digest",
                "Id",
                "Os",
                "RepoDigests",
                "RepoTags",
                "RootFS",
                "Size",
                "Variant"
            ]
        );
        let mut config: Vec<&str> = json["Config"].as_object().unwrap().keys().map(String::as_str).collect();
        config.sort();
        assert_eq!(config, ["Cmd", "Entrypoint", "Env", "Labels", "StopSignal", "User", "WorkingDir"]);
        assert_eq!(json["Config"]["Labels"], serde_json::Value::Null);
        assert_eq!(
            json["RootFS"],
            serde_json::json!({"Type": "layers", "Layers": [format!("sha256:{}", "d".repeat(64))]})
        );
        assert_eq!(json["RepoDigests"], serde_json::json!([format!("quay.io/x/app@sha256:{}", "b".repeat(64))]));
        assert_eq!(json["Created"], "2024-01-02T03:04:05Z");
    }

    #[test]
    fn summaries_have_podmans_images_json_keys() {
        let mut record: ImageRecord = serde_json::from_value(serde_json::json!({
            "id": "a".repeat(64), "digests": [], "manifest_digest": "sha256:x", "platform": {"architecture": "amd64", "os": "linux"},
            "size": 10, "created": "2024-01-02T03:04:05Z",
            "config": {"entrypoint": [], "cmd": [], "env": [], "working_dir": "", "user": "", "stop_signal": "", "labels": {"k": "v"}},
            "layers": []
        }))
        .unwrap();
        record.names = vec!["quay.io/x/app:1".into()];
        let json = serde_json::to_value(ImageSummary::new(&record, 2)).unwrap();
        let mut keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        let want = [
            "Containers",
            "Created",
            "CreatedAt",
            "Digest",
            "History",
            "Id",
            "Labels",
            "Names",
            "ParentId",
            "RepoDigests",
            "RepoTags",
            "SharedSize",
            "Size",
            "VirtualSize",
        ];
        assert_eq!(keys, want);
        assert_eq!(
            (json["Created"].as_i64(), json["CreatedAt"].as_str()),
            (Some(1704164645), Some("2024-01-02T03:04:05Z"))
        );
        assert_eq!((json["Containers"].as_u64(), json["Labels"]["k"].as_str()), (Some(2), Some("v")));
    }
}
