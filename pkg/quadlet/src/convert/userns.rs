//! User namespace keys of a `.container`: `UserNS=`, `UIDMap=`/`GIDMap=`,
//! `SubUIDMap=`/`SubGIDMap=`, and the deprecated `RemapUsers=` family, which Podman still
//! translates when none of the others is set.

use super::{Cmdline, ConvertError};
use crate::unitfile::UnitFile;

pub fn add_user_mappings(unit: &UnitFile, group: &str, cmd: &mut Cmdline) -> Result<(), ConvertError> {
    let mut defined = false;
    if let Some(userns) = unit.lookup_nonempty(group, "UserNS") {
        cmd.add(&["--userns", &userns]);
        defined = true;
    }
    for (key, flag) in [("UIDMap", "--uidmap"), ("GIDMap", "--gidmap")] {
        for map in unit.lookup_all_strv(group, key) {
            cmd.add(&[flag, &map]);
            defined = true;
        }
    }
    for (key, flag) in [("SubUIDMap", "--subuidname"), ("SubGIDMap", "--subgidname")] {
        if let Some(name) = unit.lookup_nonempty(group, key) {
            cmd.add(&[flag, &name]);
            defined = true;
        }
    }
    if defined {
        if ["RemapUid", "RemapGid", "RemapUsers"].iter().any(|k| unit.has_key(group, k)) {
            return Err(ConvertError::RemapWithMappings);
        }
        return Ok(());
    }
    add_remap(unit, group, cmd)
}

fn add_remap(unit: &UnitFile, group: &str, cmd: &mut Cmdline) -> Result<(), ConvertError> {
    let uids = unit.lookup_all_strv(group, "RemapUid");
    let gids = unit.lookup_all_strv(group, "RemapGid");
    match unit.lookup_last(group, "RemapUsers").unwrap_or_default().as_str() {
        "" if !uids.is_empty() => Err(ConvertError::MapWithoutRemap("UidMap")),
        "" if !gids.is_empty() => Err(ConvertError::MapWithoutRemap("GidMap")),
        "" => Ok(()),
        "manual" => {
            for uid in &uids {
                cmd.add(&["--uidmap", uid]);
            }
            for gid in &gids {
                cmd.add(&["--gidmap", gid]);
            }
            Ok(())
        }
        "auto" => {
            let mut opts: Vec<String> = uids.iter().map(|u| format!("uidmapping={u}")).collect();
            opts.extend(gids.iter().map(|g| format!("gidmapping={g}")));
            let size = unit.lookup_int(group, "RemapUidSize", 0);
            if size > 0 && size <= i64::from(u32::MAX) {
                opts.push(format!("size={size}"));
            }
            cmd.add(&["--userns", &userns_value("auto", &opts)]);
            Ok(())
        }
        "keep-id" => {
            let mut opts = Vec::new();
            for (maps, what, prefix) in [(&uids, "UID", "uid="), (&gids, "GID", "gid=")] {
                match maps.as_slice() {
                    [] => {}
                    [one] => opts.push(format!("{prefix}{one}")),
                    _ => return Err(ConvertError::KeepIdSingle(what)),
                }
            }
            cmd.add(&["--userns", &userns_value("keep-id", &opts)]);
            Ok(())
        }
        other => Err(ConvertError::RemapUsers(other.to_string())),
    }
}

fn userns_value(kind: &str, opts: &[String]) -> String {
    if opts.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}:{}", opts.join(","))
    }
}
