use std::collections::HashMap;

use super::*;

/// A systemd that knows some units' states and records what it was asked to do.
#[derive(Default)]
struct FakeSystemd {
    states: HashMap<String, UnitStatus>,
    reloads: usize,
    stopped: Vec<String>,
}

impl FakeSystemd {
    fn with(unit: &str, active: &str, sub: &str) -> FakeSystemd {
        let mut fake = FakeSystemd::default();
        let status = UnitStatus { load: "loaded".into(), active: active.into(), sub: sub.into() };
        fake.states.insert(unit.into(), status);
        fake
    }
}

impl ServiceManager for FakeSystemd {
    fn reload(&mut self) -> Result<(), ManageError> {
        self.reloads += 1;
        Ok(())
    }

    fn status(&mut self, unit: &str) -> Result<UnitStatus, ManageError> {
        Ok(self.states.get(unit).cloned().unwrap_or(UnitStatus { load: "not-found".into(), ..UnitStatus::default() }))
    }

    fn stop(&mut self, unit: &str) -> Result<(), ManageError> {
        self.stopped.push(unit.to_string());
        Ok(())
    }
}

fn setup() -> (tempfile::TempDir, QuadletDirs, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let install = tmp.path().join("etc");
    let src = tmp.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("web.container"), "[Container]\nImage=quay.io/a/b:1\n").unwrap();
    std::fs::write(src.join("data.volume"), "[Volume]\n").unwrap();
    std::fs::write(src.join("notes.txt"), "x").unwrap();
    let dirs = QuadletDirs { search: vec![install.clone()], install };
    (tmp, dirs, src)
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn install_copies_refuses_duplicates_and_reloads() {
    let (_tmp, dirs, src) = setup();
    let mut systemd = FakeSystemd::default();
    let report = install(&dirs, &[s(&src.join("web.container"))], false, true, &mut systemd).unwrap();
    assert_eq!(report.done, [s(&dirs.install.join("web.container"))]);
    assert_eq!(systemd.reloads, 1);
    let again = install(&dirs, &[s(&src.join("web.container")), s(&src.join("notes.txt"))], false, false, &mut systemd)
        .unwrap();
    let errors: Vec<String> = again.errors.iter().map(|(_, e)| e.to_string()).collect();
    assert_eq!(
        errors,
        [
            "a Quadlet with name web.container already exists, refusing to overwrite",
            "\".txt\" is not a supported Quadlet file type"
        ]
    );
    assert!(install(&dirs, &[s(&src.join("web.container"))], true, false, &mut systemd).unwrap().errors.is_empty());
    assert!(matches!(
        install(&dirs, &["https://x/y.container".into()], false, false, &mut systemd),
        Err(ManageError::Url(_))
    ));
}

#[test]
fn a_directory_installs_its_quadlet_files() {
    let (_tmp, dirs, src) = setup();
    let report = install(&dirs, &[s(&src)], false, false, &mut FakeSystemd::default()).unwrap();
    assert_eq!(report.done, [s(&dirs.install.join("data.volume")), s(&dirs.install.join("web.container"))]);
}

#[test]
fn list_print_and_remove() {
    let (_tmp, dirs, src) = setup();
    install(&dirs, &[s(&src)], false, false, &mut FakeSystemd::default()).unwrap();
    let mut systemd = FakeSystemd::with("web.service", "active", "running");
    let rows = list(&dirs, &mut systemd).unwrap();
    let rows: Vec<(&str, &str, &str)> =
        rows.iter().map(|r| (r.name.as_str(), r.unit_name.as_str(), r.status.as_str())).collect();
    assert_eq!(
        rows,
        [("data.volume", "data-volume.service", "Not loaded"), ("web.container", "web.service", "active/running")]
    );
    assert_eq!(print(&dirs, "web.container").unwrap(), "[Container]\nImage=quay.io/a/b:1\n");
    assert_eq!(print(&dirs, "web.txt").unwrap_err().to_string(), "\".txt\" is not a supported quadlet file type");
    assert_eq!(
        print(&dirs, "gone.container").unwrap_err().to_string(),
        "could not locate quadlet \"gone.container\" in any supported quadlet directory"
    );

    let opts = RemoveOptions { reload: true, ..RemoveOptions::default() };
    let names = ["web.container".to_string(), "gone.container".to_string()];
    let report = remove(&dirs, &names, opts, &mut systemd).unwrap();
    let errors: Vec<String> = report.errors.iter().map(|(_, e)| e.to_string()).collect();
    assert_eq!(
        errors,
        [
            "could not locate quadlet \"gone.container\" in any supported quadlet directory",
            "quadlet web.container is running and force is not set, refusing to remove"
        ]
    );
    assert!(dirs.install.join("web.container").exists());

    let forced = RemoveOptions { force: true, ignore: true, reload: true, all: false };
    let report = remove(&dirs, &names, forced, &mut systemd).unwrap();
    assert_eq!(report.done, ["gone.container", "web.container"]);
    assert_eq!(systemd.stopped, ["web.service"]);
    assert_eq!(systemd.reloads, 2, "each run whose unit was loaded reloads, as Podman's does");
    assert!(!dirs.install.join("web.container").exists());

    let all = RemoveOptions { all: true, ..RemoveOptions::default() };
    assert_eq!(remove(&dirs, &[], all, &mut systemd).unwrap().done, ["data.volume"]);
}
