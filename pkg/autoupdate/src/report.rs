//! One row per container of a run, as `podman auto-update` reports it.

use std::fmt;

use serde::Serialize;

use crate::policy::Policy;

/// The UPDATED column. The strings are Podman's exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Updated and the unit restarted with the new image.
    Updated,
    /// Nothing newer (or a digest reference, which cannot change).
    NotUpdated,
    /// The check, pull or restart failed; the reason is among the run's errors.
    Failed,
    /// `--dry-run` found a newer image.
    Pending,
    /// The new image did not start; the previous image is tagged and running again.
    RolledBack,
}

impl Status {
    /// The word printed in the UPDATED column.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Updated => "true",
            Status::NotUpdated => "false",
            Status::Failed => "failed",
            Status::Pending => "pending",
            Status::RolledBack => "rolled back",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome for one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub unit: String,
    pub container_id: String,
    pub container_name: String,
    /// `RawImageName`, as typed at create time.
    pub image: String,
    pub policy: Policy,
    pub status: Status,
    /// Digest of the image the container ran before the run, when known.
    pub old_digest: Option<String>,
    /// Digest the registry serves (registry policy) or of the local target image, when known.
    pub new_digest: Option<String>,
}

/// The fields `--format` templates and `--format json` see: Podman's `autoUpdateOutput`
/// (same names and order) plus `OldDigest`/`NewDigest` where known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReportRow {
    pub unit: String,
    /// `<id[:12]> (<name>)`.
    pub container: String,
    pub container_name: String,
    #[serde(rename = "ContainerID")]
    pub container_id: String,
    pub image: String,
    pub policy: String,
    pub updated: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_digest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_digest: Option<String>,
}

impl From<&Report> for ReportRow {
    fn from(r: &Report) -> Self {
        let short = &r.container_id[..r.container_id.len().min(12)];
        ReportRow {
            unit: r.unit.clone(),
            container: format!("{short} ({})", r.container_name),
            container_name: r.container_name.clone(),
            container_id: r.container_id.clone(),
            image: r.image.clone(),
            policy: r.policy.to_string(),
            updated: r.status.to_string(),
            old_digest: r.old_digest.clone(),
            new_digest: r.new_digest.clone(),
        }
    }
}

/// Column headers of the template fields, as Podman's `report.Headers` derives them.
pub const HEADERS: &[(&str, &str)] = &[
    ("Unit", "UNIT"),
    ("Container", "CONTAINER"),
    ("ContainerName", "CONTAINER NAME"),
    ("ContainerID", "CONTAINER ID"),
    ("Image", "IMAGE"),
    ("Policy", "POLICY"),
    ("Updated", "UPDATED"),
    ("OldDigest", "OLD DIGEST"),
    ("NewDigest", "NEW DIGEST"),
];

/// The row of the default table of Podman 4.3+: note the leading tab, which gives every line
/// an empty first column of 12 spaces.
pub const DEFAULT_ROW: &str = "\t{{.Unit}}\t{{.Container}}\t{{.Image}}\t{{.Policy}}\t{{.Updated}}\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_has_podmans_keys_in_order() {
        let report = Report {
            unit: "container-a.service".into(),
            container_id: "0123456789abcdef".into(),
            container_name: "a".into(),
            image: "q.io/a:1".into(),
            policy: Policy::Registry,
            status: Status::RolledBack,
            old_digest: Some("sha256:1".into()),
            new_digest: None,
        };
        let json = serde_json::to_string(&ReportRow::from(&report)).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"Unit":"container-a.service","Container":"0123456789ab (a)","ContainerName":"a","ContainerID":"0123456789abcdef","Image":"q.io/a:1","Policy":"registry","Updated":"rolled back","OldDigest":"sha256:1"}"#
        );
    }

    #[test]
    fn statuses_are_podmans_words() {
        let words: Vec<&str> =
            [Status::Updated, Status::NotUpdated, Status::Failed, Status::Pending, Status::RolledBack]
                .iter()
                .map(|s| s.as_str())
                .collect();
        assert_eq!(words, ["true", "false", "failed", "pending", "rolled back"]);
    }
}
