//! `[Install]` of a generated unit, done by the generator: `systemctl enable` cannot enable a
//! generated unit, so the generator writes the links enabling would have made —
//! `TARGET.wants/`, `.requires/`, `.upholds/` for `WantedBy=`, `RequiredBy=`, `UpheldBy=`, and
//! `Alias=` names — beside the unit in its output directory.

use std::path::{Component, Path, PathBuf};

use crate::unitfile::UnitFile;

/// The links `service`'s `[Install]` asks for, relative to the output directory, each with
/// its target relative to the link's directory.
pub fn install_links(service: &UnitFile) -> Vec<(PathBuf, PathBuf)> {
    let mut links: Vec<PathBuf> = service.lookup_all_strv("Install", "Alias").iter().map(|a| clean(a)).collect();
    let (base, instance, is_template) = service.template_parts();
    let ext = service.filename.rfind('.').map(|d| &service.filename[d..]).unwrap_or("");
    // A template without an instance is only enabled through DefaultInstance=.
    let enabled_as = if is_template && instance.is_empty() {
        service.lookup("Install", "DefaultInstance").map(|i| format!("{base}@{i}{ext}"))
    } else {
        Some(service.filename.clone())
    };
    if let Some(name) = enabled_as {
        for (key, suffix) in [("WantedBy", "wants"), ("RequiredBy", "requires"), ("UpheldBy", "upholds")] {
            for unit in service.lookup_all_strv("Install", key) {
                if !unit.contains('/') {
                    links.push(PathBuf::from(format!("{unit}.{suffix}/{name}")));
                }
            }
        }
    }
    links
        .into_iter()
        .map(|link| {
            let depth = link.parent().map(|p| p.components().count()).unwrap_or(0);
            let mut target = PathBuf::new();
            for _ in 0..depth {
                target.push("..");
            }
            target.push(&service.filename);
            (link, target)
        })
        .collect()
}

/// Lexical clean of a relative link name (`./a//b` → `a/b`).
fn clean(path: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for c in Path::new(path).components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(p) => out.push(p),
            _ => {}
        }
    }
    out
}

/// Makes the links of [`install_links`] under `output`, replacing old ones; returns errors.
pub fn enable_links(output: &Path, service: &UnitFile) -> Vec<String> {
    let mut errors = Vec::new();
    for (link, target) in install_links(service) {
        let path = output.join(&link);
        if let Some(dir) = path.parent() {
            if let Err(e) = std::fs::create_dir_all(dir) {
                errors.push(format!("Can't create dir {}: {e}", dir.display()));
                continue;
            }
        }
        let _ = std::fs::remove_file(&path);
        if let Err(e) = std::os::unix::fs::symlink(&target, &path) {
            errors.push(format!("Failed creating symlink {}: {e}", path.display()));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(text: &str, name: &str) -> Vec<(String, String)> {
        let mut unit = UnitFile::parse(text, name).unwrap();
        unit.filename = name.to_string();
        install_links(&unit).into_iter().map(|(l, t)| (l.display().to_string(), t.display().to_string())).collect()
    }

    #[test]
    fn wants_requires_and_aliases() {
        let l = links(
            "[Install]\nWantedBy=multi-user.target default.target\nRequiredBy=a.service\nAlias=web2.service\n",
            "web.service",
        );
        let l: Vec<(&str, &str)> = l.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(
            l,
            [
                ("web2.service", "web.service"),
                ("multi-user.target.wants/web.service", "../web.service"),
                ("default.target.wants/web.service", "../web.service"),
                ("a.service.requires/web.service", "../web.service"),
            ]
        );
    }

    #[test]
    fn templates_need_a_default_instance() {
        assert!(links("[Install]\nWantedBy=x.target\n", "t@.service").is_empty());
        assert_eq!(
            links("[Install]\nWantedBy=x.target\nDefaultInstance=i\n", "t@.service"),
            [("x.target.wants/t@i.service".to_string(), "../t@.service".to_string())]
        );
    }
}
