//! References from a `.container` to other things: files (relative to the Quadlet file),
//! other Quadlet files (`Volume=data.volume:/d`, `Network=net.network`, `Network=db.container`,
//! `Image=app.image`), which become their resource names plus a `Requires=`/`After=` on their
//! services, and host paths, which become `RequiresMountsFor=`.

use super::{Cmdline, ConvertError, UnitKind, Units};
use crate::csv::{read_record, write_record};
use crate::unitfile::UnitFile;

/// `path` made absolute against the Quadlet file's directory, unless it starts with a systemd
/// specifier (`%h/…`), and cleaned (`./src/` → `DIR/src`).
pub fn absolute_path(unit: &UnitFile, path: &str) -> String {
    let starts_with_specifier = path.starts_with('%') && !path.starts_with("%%");
    if starts_with_specifier || path.starts_with('/') {
        return path.to_string();
    }
    let base = match unit.path.rfind('/') {
        Some(slash) => unit.path[..slash].to_string(),
        None => std::env::current_dir().map(|d| d.to_string_lossy().into_owned()).unwrap_or_default(),
    };
    clean_path(&format!("{base}/{path}"))
}

/// A path with `.`, `..` and repeated or trailing slashes resolved lexically, as Go's
/// `filepath.Clean`.
fn clean_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Adds `Requires=` and `After=` on the service of the Quadlet file `name`, and returns its info.
fn depend_on<'a>(
    service: &mut UnitFile,
    units: &'a Units,
    name: &str,
    missing: impl FnOnce(String) -> ConvertError,
) -> Result<&'a super::UnitInfo, ConvertError> {
    let info = units.get(name).ok_or_else(|| missing(name.to_string()))?;
    let kind = UnitKind::of_file(name);
    if let Some(kind) = kind.filter(|k| !k.converted()) {
        return Err(ConvertError::ReferenceNotSupported(name.to_string(), kind.extension()));
    }
    let file = info.service_file_name();
    service.add("Unit", "Requires", &file);
    service.add("Unit", "After", &file);
    Ok(info)
}

/// A volume or mount source: a host path (waited for with `RequiresMountsFor=`), a Quadlet
/// `.volume` (or, for `--mount type=image`, `.image`; or `.artifact`) file, or a name as is.
pub fn storage_source(
    unit: &UnitFile,
    service: &mut UnitFile,
    source: &str,
    units: &Units,
    images_too: bool,
) -> Result<String, ConvertError> {
    if source.is_empty() {
        return Err(ConvertError::EmptySource);
    }
    let source = if source.starts_with('.') { absolute_path(unit, source) } else { source.to_string() };
    if source.starts_with('/') {
        service.add_escaped("Unit", "RequiresMountsFor", &source);
        return Ok(source);
    }
    if source.ends_with(".volume") || (images_too && source.ends_with(".image")) || source.ends_with(".artifact") {
        return Ok(depend_on(service, units, &source, ConvertError::SourceNotFound)?.resource_name.clone());
    }
    Ok(source)
}

/// `Image=`: an `.image` or `.build` file becomes the image it makes.
pub fn image_source(image: &str, service: &mut UnitFile, units: &Units) -> Result<String, ConvertError> {
    if image.ends_with(".build") || image.ends_with(".image") {
        return Ok(depend_on(service, units, image, ConvertError::ImageNotFound)?.resource_name.clone());
    }
    Ok(image.to_string())
}

/// `-v SOURCE:DEST[:OPTIONS]` for every `Volume=`.
pub fn add_volumes(
    unit: &UnitFile,
    group: &str,
    service: &mut UnitFile,
    units: &Units,
    cmd: &mut Cmdline,
) -> Result<(), ConvertError> {
    for volume in unit.lookup_all(group, "Volume") {
        let parts: Vec<&str> = volume.splitn(3, ':').collect();
        let (source, dest) = if parts.len() >= 2 { (parts[0], parts[1]) } else { ("", parts[0]) };
        let options = parts.get(2).map(|o| format!(":{o}")).unwrap_or_default();
        if source.is_empty() {
            cmd.add(&["-v", dest]);
        } else {
            let source = storage_source(unit, service, source, units, false)?;
            cmd.add(&["-v", &format!("{source}:{dest}{options}")]);
        }
    }
    Ok(())
}

/// `--network` for every `Network=`: a `.network` file becomes its network, a `.container`
/// file `container:ITS-NAME`.
pub fn add_networks(
    unit: &UnitFile,
    group: &str,
    service: &mut UnitFile,
    units: &Units,
    cmd: &mut Cmdline,
) -> Result<(), ConvertError> {
    for network in unit.lookup_all(group, "Network") {
        let (name, options) = match network.split_once(':') {
            Some((n, o)) => (n, Some(o)),
            None => (network.as_str(), None),
        };
        let is_container = name.ends_with(".container");
        if !(name.ends_with(".network") || is_container) {
            cmd.add(&["--network", &network]);
            continue;
        }
        let info = depend_on(service, units, name, ConvertError::UnitNotFound)?;
        if info.resource_name.is_empty() {
            return Err(ConvertError::NoResourceName(name.to_string()));
        }
        let resolved = match (options, is_container) {
            (Some(_), true) => return Err(ConvertError::ContainerNetworkOptions),
            (Some(o), false) => format!("{}:{o}", info.resource_name),
            (None, true) => format!("container:{}", info.resource_name),
            (None, false) => info.resource_name.clone(),
        };
        cmd.add(&["--network", &resolved]);
    }
    Ok(())
}

/// A `Mount=` value with its source resolved (`source=data.volume` → the volume's name) and
/// its type first, re-quoted as CSV; mounts without a source (tmpfs, devpts) stay as written.
pub fn mount_value(
    unit: &UnitFile,
    service: &mut UnitFile,
    mount: &str,
    units: &Units,
) -> Result<String, ConvertError> {
    let fields = read_record(mount, ',').map_err(|e| ConvertError::MountFormat(e.to_string()))?;
    let mut mount_type: Option<String> = None;
    let mut tokens = Vec::new();
    for field in fields {
        match field.split('=').collect::<Vec<_>>().as_slice() {
            ["type", t] if mount_type.is_none() => mount_type = Some(t.to_string()),
            _ => tokens.push(field),
        }
    }
    let mount_type = mount_type.unwrap_or_else(|| "volume".to_string());
    if !["volume", "bind", "glob", "image", "artifact"].contains(&mount_type.as_str()) {
        return Ok(mount.to_string());
    }
    let mut source = None;
    for (i, token) in tokens.iter().enumerate() {
        let (key, value) = match token.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (token.as_str(), None),
        };
        if key == "source" || key == "src" {
            source = Some((i, value.ok_or(ConvertError::SourceWithoutValue)?.to_string()));
        }
    }
    match source {
        Some((i, original)) => {
            let resolved = storage_source(unit, service, &original, units, true)?;
            tokens[i] = format!("source={resolved}");
        }
        None if mount_type != "volume" => return Err(ConvertError::SourceRequired(mount_type)),
        None => {}
    }
    tokens.insert(0, format!("type={mount_type}"));
    Ok(write_record(&tokens))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_resolve_against_the_file() {
        let unit = UnitFile::parse("", "/etc/containers/systemd/web.container").unwrap();
        assert_eq!(absolute_path(&unit, "./src/"), "/etc/containers/systemd/src");
        assert_eq!(absolute_path(&unit, "../env"), "/etc/containers/env");
        assert_eq!(absolute_path(&unit, "%h/env"), "%h/env");
        assert_eq!(absolute_path(&unit, "/abs"), "/abs");
    }
}
