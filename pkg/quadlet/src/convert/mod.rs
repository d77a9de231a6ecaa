//! Quadlet files to service units, as Podman 5's quadlet converts them, with rpod's binary in
//! every `Exec*=` line. `.container`, `.volume` and `.network` are converted; the other kinds
//! Podman knows (`.pod`, `.kube`, `.image`, `.build`, `.artifact`) are recognised, so that
//! references to them resolve to their service names, but refused.

mod container;
mod error;
pub mod keys;
mod resource;
mod sources;
mod userns;

use std::collections::HashMap;

pub use error::ConvertError;

use crate::unitfile::UnitFile;

/// The kinds of Quadlet file, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnitKind {
    Container,
    Volume,
    Network,
    Kube,
    Image,
    Build,
    Artifact,
    Pod,
}

impl UnitKind {
    /// Every kind, in the order the generator converts them (what others depend on first).
    pub const ALL: [UnitKind; 8] = [
        UnitKind::Artifact,
        UnitKind::Image,
        UnitKind::Volume,
        UnitKind::Network,
        UnitKind::Build,
        UnitKind::Container,
        UnitKind::Kube,
        UnitKind::Pod,
    ];

    /// The kind a file name's extension names, if any.
    pub fn of_file(name: &str) -> Option<UnitKind> {
        let ext = &name[name.rfind('.')?..];
        UnitKind::ALL.into_iter().find(|k| k.extension() == ext)
    }

    /// `.container`, `.volume`, …
    pub fn extension(self) -> &'static str {
        match self {
            UnitKind::Container => ".container",
            UnitKind::Volume => ".volume",
            UnitKind::Network => ".network",
            UnitKind::Kube => ".kube",
            UnitKind::Image => ".image",
            UnitKind::Build => ".build",
            UnitKind::Artifact => ".artifact",
            UnitKind::Pod => ".pod",
        }
    }

    /// The group holding the file's own keys (`[Container]`).
    pub fn group(self) -> &'static str {
        match self {
            UnitKind::Container => "Container",
            UnitKind::Volume => "Volume",
            UnitKind::Network => "Network",
            UnitKind::Kube => "Kube",
            UnitKind::Image => "Image",
            UnitKind::Build => "Build",
            UnitKind::Artifact => "Artifact",
            UnitKind::Pod => "Pod",
        }
    }

    /// What is appended to the file's name to name its service (`web.volume` → `web-volume`).
    fn service_suffix(self) -> &'static str {
        match self {
            UnitKind::Container | UnitKind::Kube => "",
            UnitKind::Volume => "-volume",
            UnitKind::Network => "-network",
            UnitKind::Image => "-image",
            UnitKind::Build => "-build",
            UnitKind::Artifact => "-artifact",
            UnitKind::Pod => "-pod",
        }
    }

    /// Whether rpod converts files of this kind.
    pub fn converted(self) -> bool {
        matches!(self, UnitKind::Container | UnitKind::Volume | UnitKind::Network)
    }
}

/// What other files need to know about one Quadlet file: the service it becomes and the
/// name of what it creates (container, volume or network), once known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitInfo {
    pub service_name: String,
    pub resource_name: String,
}

impl UnitInfo {
    /// `NAME.service`.
    pub fn service_file_name(&self) -> String {
        format!("{}.service", self.service_name)
    }
}

/// Every loaded Quadlet file's [`UnitInfo`], by file name.
pub type Units = HashMap<String, UnitInfo>;

/// How units are generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generation {
    /// The rpod binary every `Exec*=` line runs.
    pub rpod: String,
    /// For a user's systemd instance (`-user`).
    pub user: bool,
}

/// A converted file: the service, and warnings for the log (values that could not be split).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    pub service: UnitFile,
    pub warnings: Vec<String>,
}

/// The name of the service `unit` becomes: `ServiceName=`, or the file's name with the kind's
/// suffix (`web@.container` → `web@`, `db.volume` → `db-volume`).
pub fn service_name(unit: &UnitFile, kind: UnitKind) -> String {
    if let Some(name) = unit.lookup(kind.group(), "ServiceName") {
        return name;
    }
    let base = file_stem(&unit.filename);
    match base.strip_suffix('@') {
        Some(template) => format!("{template}{}@", kind.service_suffix()),
        None => format!("{base}{}", kind.service_suffix()),
    }
}

fn file_stem(name: &str) -> &str {
    match name.rfind('.') {
        Some(dot) if dot > 0 => &name[..dot],
        _ => name,
    }
}

/// The [`UnitInfo`] of every file, before any is converted: service names, and the container
/// names (`.container`) and pod names (`.pod`) that are known without converting.
pub fn unit_infos(units: &[UnitFile]) -> Units {
    let mut infos = Units::new();
    for unit in units {
        let Some(kind) = UnitKind::of_file(&unit.filename) else { continue };
        let resource_name = match kind {
            UnitKind::Container => container::resolved_container_name(unit),
            UnitKind::Pod => unit
                .lookup_nonempty("Pod", "PodName")
                .unwrap_or_else(|| format!("systemd-{}", file_stem(&unit.filename))),
            _ => String::new(),
        };
        infos.insert(unit.filename.clone(), UnitInfo { service_name: service_name(unit, kind), resource_name });
    }
    infos
}

/// Converts one Quadlet file into its service unit, recording the resource it creates in
/// `units` for the files converted after it.
pub fn convert(unit: &UnitFile, units: &mut Units, generation: &Generation) -> Result<Converted, ConvertError> {
    let kind = UnitKind::of_file(&unit.filename).ok_or_else(|| ConvertError::UnknownKind(unit.filename.clone()))?;
    if !kind.converted() {
        return Err(ConvertError::KindNotSupported(kind.extension()));
    }
    let mut service = init_service(unit, kind, units, generation.user)?;
    let mut warnings = Vec::new();
    match kind {
        UnitKind::Container => container::convert(unit, &mut service, units, generation, &mut warnings)?,
        UnitKind::Volume | UnitKind::Network => {
            let name = resource::convert(unit, kind, &mut service, units, generation, &mut warnings)?;
            if let Some(info) = units.get_mut(&unit.filename) {
                info.resource_name = name;
            }
        }
        _ => unreachable!("only converted kinds get here"),
    }
    Ok(Converted { service, warnings })
}

/// The service's starting point, common to every kind: the file itself with its own group
/// renamed `X-…` (systemd ignores `X-` groups), dependencies on other Quadlet files
/// translated to their services, `network-online.target` waited for, `SourcePath=`.
fn init_service(unit: &UnitFile, kind: UnitKind, units: &Units, user: bool) -> Result<UnitFile, ConvertError> {
    let info = units.get(&unit.filename).ok_or_else(|| ConvertError::Internal(unit.filename.clone()))?;
    keys::check(unit, kind)?;
    let mut service = unit.clone();
    service.filename = info.service_file_name();
    service.path = String::new();
    translate_dependencies(&mut service, units)?;
    if unit.lookup_bool("Quadlet", "DefaultDependencies").unwrap_or(true) {
        let network = if user { "podman-user-wait-network-online.service" } else { "network-online.target" };
        service.prepend("Unit", "After", network);
        service.prepend("Unit", "Wants", network);
    }
    if !unit.path.is_empty() {
        service.add("Unit", "SourcePath", &unit.path);
    }
    service.add("Unit", "RequiresMountsFor", "%t/containers");
    service.rename_group(kind.group(), &format!("X-{}", kind.group()));
    service.rename_group("Quadlet", "X-Quadlet");
    Ok(service)
}

/// `[Unit]` keys whose values name units: a Quadlet file named there becomes its service.
const DEPENDENCY_KEYS: [&str; 15] = [
    "After",
    "Before",
    "BindsTo",
    "Conflicts",
    "OnFailure",
    "OnSuccess",
    "PartOf",
    "PropagatesReloadTo",
    "PropagatesStopTo",
    "ReloadPropagatedFrom",
    "Requires",
    "Requisite",
    "StopPropagatedFrom",
    "Upholds",
    "Wants",
];

fn translate_dependencies(service: &mut UnitFile, units: &Units) -> Result<(), ConvertError> {
    for key in DEPENDENCY_KEYS {
        let deps = service.lookup_all_strv("Unit", key);
        let mut translated = false;
        let mut out = Vec::with_capacity(deps.len());
        for dep in deps {
            if UnitKind::of_file(&dep).is_some() {
                let info = units.get(&dep).ok_or_else(|| ConvertError::Dependency(dep.clone()))?;
                out.push(info.service_file_name());
                translated = true;
            } else {
                out.push(dep);
            }
        }
        if translated {
            service.unset("Unit", key);
            service.add("Unit", key, &out.join(" "));
        }
    }
    Ok(())
}

/// An argument vector being built: rpod's path first.
#[derive(Debug, Clone)]
struct Cmdline(Vec<String>);

impl Cmdline {
    /// `rpod [--module=…] [GlobalArgs…]`: the start of every command a unit runs.
    fn base(unit: &UnitFile, group: &str, rpod: &str) -> Cmdline {
        let mut c = Cmdline(vec![rpod.to_string()]);
        for module in unit.lookup_all(group, "ContainersConfModule") {
            c.add(&[&format!("--module={module}")]);
        }
        c.0.extend(unit.lookup_all_args(group, "GlobalArgs"));
        c
    }

    fn add(&mut self, args: &[&str]) {
        self.0.extend(args.iter().map(|a| a.to_string()));
    }

    fn add_bool(&mut self, flag: &str, value: bool) {
        if value {
            self.add(&[flag]);
        } else {
            self.add(&[&format!("{flag}=false")]);
        }
    }

    /// `flag K=V` for every assignment, sorted by key as Podman sorts them.
    fn add_key_vals(&mut self, flag: &str, unit: &UnitFile, group: &str, key: &str, warnings: &mut Vec<String>) {
        let (map, errors) = unit.lookup_all_key_val(group, key);
        warnings.extend(errors.iter().map(ToString::to_string));
        for (k, v) in map {
            match v {
                Some(v) => self.add(&[flag, &format!("{k}={v}")]),
                None => self.add(&[flag, &k]),
            }
        }
    }

    /// `flag VALUE` for each of these keys set non-empty (last value wins).
    fn add_strings(&mut self, unit: &UnitFile, group: &str, keys: &[(&str, &str)]) {
        for (key, flag) in keys {
            if let Some(v) = unit.lookup_nonempty(group, key) {
                self.add(&[flag, &v]);
            }
        }
    }

    /// `flag VALUE` for every value of these keys.
    fn add_all_strings(&mut self, unit: &UnitFile, group: &str, keys: &[(&str, &str)]) {
        for (key, flag) in keys {
            for v in unit.lookup_all(group, key) {
                self.add(&[flag, &v]);
            }
        }
    }

    /// `flag` or `flag=false` for each of these boolean keys that is set.
    fn add_bools(&mut self, unit: &UnitFile, group: &str, keys: &[(&str, &str)]) {
        for (key, flag) in keys {
            if let Some(v) = unit.lookup_bool(group, key) {
                self.add_bool(flag, v);
            }
        }
    }
}

/// `[Service]` defaults of the oneshot units that create a volume or network.
fn oneshot_defaults(service: &mut UnitFile) {
    if service.lookup("Service", "SyslogIdentifier").is_none() {
        service.set("Service", "SyslogIdentifier", "%N");
    }
    if service.lookup("Service", "Type").is_none() {
        service.set("Service", "Type", "oneshot");
    }
    if service.lookup("Service", "RemainAfterExit").is_none() {
        service.set("Service", "RemainAfterExit", "yes");
    }
}

/// The default resource name, `systemd-NAME` (`systemd-NAME-%i` for templates), or `key`'s value.
fn resource_name(unit: &UnitFile, group: &str, key: &str) -> String {
    if let Some(name) = unit.lookup_nonempty(group, key) {
        return name;
    }
    let name = format!("systemd-{}", file_stem(&unit.filename));
    if unit.filename.contains('@') {
        return format!("{}-%i", &name[..name.len() - 1]);
    }
    name
}
