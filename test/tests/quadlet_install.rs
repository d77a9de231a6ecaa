//! `contrib/systemd/install-generator.sh` against a temporary DESTDIR: it links
//! rpod-system-generator and rpod-user-generator to the real rpod-quadlet, the installed
//! generators run the rpod beside it (and the user one generates user units), and it refuses
//! to sit beside Podman's own generator unless forced.

// Shared with the case runners, which use the rest of it.
#[allow(dead_code)]
mod quadlet_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use quadlet_support::generator;

fn install(args: &[&str]) -> Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../contrib/systemd/install-generator.sh");
    Command::new("bash").arg(script).args(args).output().expect("running install-generator.sh")
}

fn quadlet_path() -> String {
    generator().canonicalize().expect("rpod-quadlet is built").to_string_lossy().into_owned()
}

fn generators(destdir: &Path) -> [PathBuf; 2] {
    ["system", "user"].map(|k| destdir.join(format!("usr/lib/systemd/{k}-generators/rpod-{k}-generator")))
}

#[test]
fn links_both_generators_which_run_the_rpod_beside_them() {
    let dest = tempfile::tempdir().unwrap();
    let quadlet = quadlet_path();
    let out = install(&["--quadlet", &quadlet, "--destdir", dest.path().to_str().unwrap(), "--no-reload"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let links = generators(dest.path());
    let listed: Vec<String> = links.iter().map(|l| l.display().to_string()).collect();
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{}\n", listed.join("\n")));
    for link in &links {
        assert_eq!(std::fs::read_link(link).unwrap(), Path::new(&quadlet));
    }

    let units = tempfile::tempdir().unwrap();
    std::fs::write(units.path().join("web.container"), "[Container]\nImage=quay.io/a/web:1\n").unwrap();
    let rpod = Path::new(&quadlet).with_file_name("rpod");
    for (link, network_wait) in links.iter().zip(["network-online.target", "podman-user-wait-network-online.service"]) {
        let out = Command::new(link)
            .arg("-dryrun")
            .env("QUADLET_UNIT_DIRS", units.path())
            .env_remove("RPOD")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let exec = format!("ExecStart={} run --name systemd-%N --replace --rm --cgroups=split", rpod.display());
        assert!(text.contains(&exec), "{exec} missing from:\n{text}");
        assert!(text.contains(&format!("After={network_wait}")), "{}: {text}", link.display());
    }
}

#[test]
fn refuses_to_sit_beside_podmans_generator_unless_forced() {
    let dest = tempfile::tempdir().unwrap();
    let podman = dest.path().join("usr/lib/systemd/system-generators/podman-system-generator");
    std::fs::create_dir_all(podman.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink("/usr/libexec/podman/quadlet", &podman).unwrap();
    let quadlet = quadlet_path();
    let destdir = dest.path().to_str().unwrap();
    let out = install(&["--quadlet", &quadlet, "--destdir", destdir, "--no-reload"]);
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "Error: Podman's Quadlet generator is installed ({}): it reads the same .container, .volume and .network \
             files and writes the same unit names as rpod's, so only one of them can own /etc/containers/systemd; \
             remove Podman's generator or pass --force\n",
            podman.display()
        )
    );
    assert!(generators(dest.path()).iter().all(|g| !g.exists()), "nothing installed");

    let forced = install(&["--quadlet", &quadlet, "--destdir", destdir, "--no-reload", "--force"]);
    assert!(forced.status.success(), "{}", String::from_utf8_lossy(&forced.stderr));
    assert!(String::from_utf8_lossy(&forced.stderr).contains("installing anyway (--force)"));
    assert!(generators(dest.path()).iter().all(|g| g.exists()));
}

#[test]
fn refuses_a_generator_without_rpod_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let lone = dir.path().join("rpod-quadlet");
    std::fs::copy(generator(), &lone).unwrap();
    let out = install(&["--quadlet", lone.to_str().unwrap(), "--destdir", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(125));
    let real = lone.canonicalize().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "Error: no rpod beside {}: the units it generates would run {}/rpod\n",
            real.display(),
            real.parent().unwrap().display()
        )
    );
}
