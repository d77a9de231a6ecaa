//! `inspect`'s `Mounts`: a container's volumes, then its bind mounts, with Podman's keys and
//! the options and propagation Podman reports (tmpfs mounts are not listed, as in Podman).

use std::path::Path;

use serde::Serialize;

use super::parse::is_propagation;
use super::{missing_defaults, MountsConfig, VOLUME_DEFAULTS};

/// One element of `.Mounts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InspectMount {
    /// `volume` or `bind`.
    #[serde(rename = "Type")]
    pub kind: &'static str,
    /// The volume's name; absent for a bind mount.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub source: String,
    pub destination: String,
    pub driver: &'static str,
    /// `z` or `Z` when the user asked for relabelling.
    pub mode: String,
    pub options: Vec<String>,
    #[serde(rename = "RW")]
    pub rw: bool,
    pub propagation: String,
}

/// `Mode`, `RW`, `Propagation` from the user's options, and the rest as `Options`.
fn split_options(user: &[String], kind: &'static str) -> (String, Vec<String>, bool, String) {
    let mut mode = String::new();
    let (mut options, mut rw, mut propagation) = (Vec::new(), true, "rprivate".to_string());
    for option in user {
        match option.as_str() {
            "z" | "Z" => mode = option.clone(),
            "ro" => rw = false,
            "rw" => rw = true,
            p if is_propagation(p) => propagation = p.to_string(),
            "bind" | "rbind" => {}
            other if kind == "volume" || matches!(other, "noexec" | "nosuid" | "nodev") => options.push(other.into()),
            _ => {}
        }
    }
    if kind == "volume" {
        options.extend(missing_defaults(user, &VOLUME_DEFAULTS));
    }
    options.push(if user.iter().any(|o| o == "bind") { "bind" } else { "rbind" }.to_string());
    (mode, options, rw, propagation)
}

/// The `Mounts` of a container whose volumes live under `volumes_dir`.
pub fn mounts(config: &MountsConfig, volumes_dir: &Path) -> Vec<InspectMount> {
    let volumes = config.named_volumes.iter().map(|v| {
        let (mode, options, rw, propagation) = split_options(&v.options, "volume");
        InspectMount {
            kind: "volume",
            name: v.volume_name.to_string(),
            source: volumes_dir.join(v.volume_name.as_str()).join("_data").display().to_string(),
            destination: v.dest.clone(),
            driver: crate::volume::LOCAL_DRIVER,
            mode,
            options,
            rw,
            propagation,
        }
    });
    let binds = config.mounts.iter().filter(|m| m.kind == "bind").map(|m| {
        let (mode, options, rw, propagation) = split_options(&m.options, "bind");
        InspectMount {
            kind: "bind",
            name: String::new(),
            source: m.source.clone(),
            destination: m.destination.clone(),
            driver: "",
            mode,
            options,
            rw,
            propagation,
        }
    });
    volumes.chain(binds).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mounts::{parse_tmpfs, parse_volume};

    #[test]
    fn podmans_keys_and_values() {
        let cwd = Path::new("/");
        let specs = vec![
            parse_volume("/tmp:/b:ro", cwd).unwrap(),
            parse_volume("/var:/c:rshared,Z", cwd).unwrap(),
            parse_volume("nv:/n:nocopy", cwd).unwrap(),
            parse_tmpfs("/t").unwrap(),
        ];
        let config = MountsConfig::from_specs(specs).unwrap();
        let json = serde_json::to_string(&mounts(&config, Path::new("/root/volumes"))).unwrap();
        assert_eq!(
            json,
            concat!(
                r#"[{"Type":"volume","Name":"nv","Source":"/root/volumes/nv/_data","Destination":"/n","Driver":"local","#,
                r#""Mode":"","Options":["nocopy","nosuid","nodev","rbind"],"RW":true,"Propagation":"rprivate"},"#,
                r#"{"Type":"bind","Source":"/tmp","Destination":"/b","Driver":"","Mode":"","Options":["rbind"],"#,
                r#""RW":false,"Propagation":"rprivate"},"#,
                r#"{"Type":"bind","Source":"/var","Destination":"/c","Driver":"","Mode":"Z","Options":["rbind"],"#,
                r#""RW":true,"Propagation":"rshared"}]"#
            )
        );
    }
}
