//! rpod's storage is its own: other local users can read no container's secrets (the database,
//! the OCI spec, the log) and reach no unpacked layer (whose setuid binaries they could run),
//! while the container's own unprivileged users still get into its root filesystem. Storage an
//! older rpod left world-readable is closed by the next command.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use rpod_e2e::{TestEnv, TestImage};

const IMAGE: &str = "localhost/rpod-test/busybox:1";
/// The unprivileged host user the tests read as (`nobody`).
const NOBODY: &str = "65534";

/// A test environment with busybox imported, whose own directory is opened up `0755` as
/// `/var/lib` would be: only rpod's modes then stand between other users and the storage.
fn open_env_with_image() -> TestEnv {
    let env = TestEnv::new();
    std::fs::set_permissions(env.dir(), std::fs::Permissions::from_mode(0o755)).expect("opening the test directory");
    let tarball = env.dir().join("rootfs.tar");
    TestImage::busybox(&[("VERSION", "1")], &[]).write_rootfs(&tarball);
    env.run(&["import", tarball.to_str().expect("UTF-8 path"), IMAGE]).success();
    env
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o7777
}

/// Runs `args` as user and group `nobody` with no supplementary groups.
fn as_nobody(args: &[&str]) -> std::process::Output {
    let uid = format!("--reuid={NOBODY}");
    let gid = format!("--regid={NOBODY}");
    Command::new("setpriv")
        .args([uid.as_str(), gid.as_str(), "--clear-groups"])
        .args(args)
        .output()
        .expect("running setpriv")
}

/// Every regular file under `dir` whose contents hold `needle`, not following symlinks.
fn files_containing(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
            if meta.is_dir() {
                pending.push(path);
            } else if meta.is_file() {
                let bytes = std::fs::read(&path).unwrap_or_default();
                if bytes.windows(needle.len()).any(|w| w == needle) {
                    found.push(path);
                }
            }
        }
    }
    found
}

/// The databases and the directories rpod keeps private, with the modes they must have.
fn storage_modes(env: &TestEnv) -> Vec<(PathBuf, u32)> {
    let (root, runroot) = (env.root(), env.runroot());
    let mut expected = vec![
        (root.clone(), 0o700),
        (runroot.clone(), 0o700),
        (root.join("containers"), 0o700),
        (runroot.join("containers"), 0o700),
        (root.join("storage"), 0o700),
        (root.join("storage/layers"), 0o700),
        (root.join("storage/blobs"), 0o700),
        (root.join("storage/blobs/sha256"), 0o700),
    ];
    for db in [root.join("rpod.db"), root.join("storage/images.db")] {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = db.clone().into_os_string();
            name.push(suffix);
            if suffix.is_empty() || Path::new(&name).exists() {
                expected.push((name.into(), 0o600));
            }
        }
    }
    expected
}

fn assert_private(env: &TestEnv) {
    for (path, want) in storage_modes(env) {
        assert_eq!(mode(&path), want, "{} is {:o}", path.display(), mode(&path));
    }
}

#[test]
fn a_secret_in_a_containers_environment_stays_with_root() {
    let env = open_env_with_image();
    let secret = format!("s3cret-{}", std::process::id());
    let password = format!("DB_PASSWORD={secret}");
    let id = env
        .run(&["run", "-d", "--name", "db", "-e", &password, IMAGE, "sh", "-c", "echo \"pw=$DB_PASSWORD\"; sleep 1000"])
        .success()
        .trim()
        .to_string();
    // The log holds the secret too once the container has printed it.
    let log = env.root().join("containers").join(&id).join("userdata/ctr.log");
    for _ in 0..50 {
        if std::fs::read_to_string(&log).unwrap_or_default().contains(&secret) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let spec = env.runroot().join("containers").join(&id).join("userdata/config.json");

    let mut holders = files_containing(&env.root(), secret.as_bytes());
    holders.extend(files_containing(&env.runroot(), secret.as_bytes()));
    for expected in [&env.root().join("rpod.db"), &spec, &log] {
        assert!(holders.contains(expected), "the test expects the secret in {}: {holders:?}", expected.display());
    }
    for holder in &holders {
        assert_eq!(mode(holder) & 0o077, 0, "{} holds the secret and is {:o}", holder.display(), mode(holder));
    }
    assert_private(&env);

    // Another local user reads nothing, lists nothing, and so runs nothing from the layers.
    let control = env.dir().join("control.txt");
    std::fs::write(&control, "readable").expect("a control file");
    std::fs::set_permissions(&control, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = as_nobody(&["cat", control.to_str().expect("UTF-8 path")]);
    assert!(
        out.status.success(),
        "nobody reads an open file next to the storage: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let layers = env.root().join("storage/layers");
    for path in [env.root().join("rpod.db"), spec.clone(), log.clone(), env.root().join("storage/images.db")] {
        let out = as_nobody(&["cat", path.to_str().expect("UTF-8 path")]);
        assert!(!out.status.success(), "nobody read {}", path.display());
        assert!(!String::from_utf8_lossy(&out.stdout).contains(&secret));
    }
    for dir in [env.root(), env.runroot(), layers] {
        let out = as_nobody(&["ls", dir.to_str().expect("UTF-8 path")]);
        assert!(!out.status.success(), "nobody listed {}", dir.display());
    }

    // Inside the container, `/` is as open as an image makes it: its non-root users work.
    assert_eq!(env.run(&["exec", "db", "busybox", "stat", "-c", "%a", "/"]).success().trim(), "755");
    let out = env.run(&["run", "--rm", "--user", "65534:65534", IMAGE, "sh", "-c", "cat /VERSION && ls / >/dev/null"]);
    assert_eq!((out.code, out.stdout.as_str()), (Some(0), "1"), "an unprivileged container user: {}", out.stderr);
    env.run(&["rm", "-f", "-t", "0", "db"]).success();
}

#[test]
fn storage_an_older_rpod_left_open_is_closed_by_the_next_command() {
    let env = open_env_with_image();
    let id = env.run(&["create", "--name", "web", "-e", "DB_PASSWORD=x", IMAGE, "true"]).success().trim().to_string();
    assert_private(&env);
    // What an older rpod left: everything 0755 and 0644.
    let container_dirs = [env.root().join("containers").join(&id), env.runroot().join("containers").join(&id)];
    for (path, _) in storage_modes(&env) {
        let old = if path.is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(old)).expect("opening up");
    }
    // The container store (root, runroot, their containers and rpod.db) closes on any command
    // that opens it; the image store (root, storage, layers, blobs, images.db) on any that
    // opens that one.
    env.run(&["ps", "-a"]).success();
    for path in [env.root(), env.runroot(), env.root().join("containers"), env.runroot().join("containers")] {
        assert_eq!(mode(&path), 0o700, "{} after ps", path.display());
    }
    assert_eq!(mode(&env.root().join("rpod.db")), 0o600, "rpod.db after ps");
    env.run(&["images"]).success();
    assert_private(&env);
    for dir in container_dirs {
        assert!(dir.is_dir(), "{} is kept", dir.display());
    }
    let out = as_nobody(&["ls", env.root().to_str().expect("UTF-8 path")]);
    assert!(!out.status.success(), "nobody lists the root after the upgrade");
}
