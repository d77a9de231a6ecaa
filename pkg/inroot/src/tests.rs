use std::os::unix::fs::symlink;
use std::path::PathBuf;
use std::time::Duration;

use super::sentinel::TreeSnapshot;
use super::*;

/// A temporary directory holding `root/` (the confined root) and `outside/victim`, with the
/// snapshot of everything but the root.
struct Scene {
    dir: tempfile::TempDir,
    before: TreeSnapshot,
}

impl Scene {
    fn new() -> Scene {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("root")).unwrap();
        std::fs::create_dir_all(dir.path().join("outside")).unwrap();
        std::fs::write(dir.path().join("outside/victim"), "host data").unwrap();
        let before = TreeSnapshot::take(dir.path(), Some(&dir.path().join("root")));
        Scene { dir, before }
    }

    fn root_path(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    fn outside(&self) -> PathBuf {
        self.dir.path().join("outside")
    }

    fn root(&self) -> Root {
        Root::open(&self.root_path()).unwrap()
    }

    fn assert_outside_unchanged(&self) {
        let after = TreeSnapshot::take(self.dir.path(), Some(&self.root_path()));
        assert_eq!(after.changes_since(&self.before), Vec::<PathBuf>::new(), "something outside the root changed");
    }
}

#[test]
fn absolute_and_dotdot_symlinks_resolve_inside_the_root() {
    let scene = Scene::new();
    std::fs::create_dir_all(scene.root_path().join("run")).unwrap();
    std::fs::create_dir_all(scene.root_path().join("var")).unwrap();
    symlink("/run", scene.root_path().join("var/run")).unwrap();
    symlink("../../../../..", scene.root_path().join("up")).unwrap();
    symlink(scene.outside(), scene.root_path().join("esc")).unwrap();
    let root = scene.root();
    let run = root.create_dir_all(Path::new("var/run/sub"), 0o755).unwrap();
    drop(run);
    assert!(scene.root_path().join("run/sub").is_dir(), "var/run/sub lands in the root's own /run");
    let up = root.open_dir(Path::new("up")).unwrap();
    assert_eq!(fstat(&up).unwrap().st_ino, fstat(&root).unwrap().st_ino, "`..` stops at the root");
    let err = root.create_dir_all(Path::new("esc/made"), 0o755).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotADirectory, "{err}");
    assert!(root.open_dir(Path::new("esc")).is_err(), "the host directory is not reachable");
    scene.assert_outside_unchanged();
}

#[test]
fn proc_self_links_name_the_roots_own_proc() {
    let scene = Scene::new();
    symlink("/proc/self/cwd", scene.root_path().join("cwd")).unwrap();
    std::fs::create_dir_all(scene.root_path().join("proc/self")).unwrap();
    // In-root, /proc/self/cwd names the root's own (missing) proc/self/cwd.
    assert_eq!(scene.root().open_dir(Path::new("cwd")).unwrap_err().raw_os_error(), Some(libc::ENOENT));
}

#[test]
fn regular_files_are_read_and_everything_else_refused() {
    let scene = Scene::new();
    let root_path = scene.root_path();
    std::fs::create_dir_all(root_path.join("etc")).unwrap();
    std::fs::write(root_path.join("etc/passwd"), "root:x:0:0::/:/bin/sh\n").unwrap();
    std::fs::write(root_path.join("etc/big"), vec![b'x'; 2048]).unwrap();
    symlink(scene.outside().join("victim"), root_path.join("etc/host")).unwrap();
    symlink("/etc/passwd", root_path.join("etc/alias")).unwrap();
    nix::unistd::mkfifo(&root_path.join("etc/fifo"), Mode::from_bits_truncate(0o644)).unwrap();
    let root = scene.root();
    assert_eq!(root.read_regular_file(Path::new("etc/passwd"), 1024).unwrap().unwrap(), b"root:x:0:0::/:/bin/sh\n");
    assert_eq!(
        root.read_regular_file(Path::new("etc/alias"), 1024).unwrap().unwrap(),
        b"root:x:0:0::/:/bin/sh\n",
        "an in-root symlink is followed"
    );
    assert!(
        root.read_regular_file(Path::new("etc/host"), 1024).unwrap().is_none(),
        "a symlink to a host file reads nothing of the host"
    );
    assert!(root.read_regular_file(Path::new("etc/missing"), 1024).unwrap().is_none());
    assert!(matches!(root.read_regular_file(Path::new("etc/big"), 1024), Err(ReadError::TooLarge { limit: 1024 })));
    assert!(matches!(root.read_regular_file(Path::new("etc"), 1024), Err(ReadError::NotRegular)));
    // A FIFO must be refused, not waited on: run it on a thread with a deadline.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let result = root.read_regular_file(Path::new("etc/fifo"), 1024);
        let _ = tx.send(matches!(result, Err(ReadError::NotRegular)));
    });
    assert!(rx.recv_timeout(Duration::from_secs(10)).expect("reading a FIFO hung"), "a FIFO is refused");
    scene.assert_outside_unchanged();
}

#[test]
fn remove_all_never_follows_a_symlink() {
    let scene = Scene::new();
    let root_path = scene.root_path();
    std::fs::create_dir_all(root_path.join("tree/sub")).unwrap();
    std::fs::write(root_path.join("tree/sub/file"), "x").unwrap();
    symlink(scene.outside(), root_path.join("tree/link")).unwrap();
    symlink(scene.outside(), root_path.join("top")).unwrap();
    let root = scene.root();
    remove_all_at(&root, OsStr::new("tree")).unwrap();
    remove_all_at(&root, OsStr::new("top")).unwrap();
    remove_all_at(&root, OsStr::new("absent")).unwrap();
    assert_eq!(std::fs::read_dir(&root_path).unwrap().count(), 0);
    scene.assert_outside_unchanged();
}

#[test]
fn split_parent_wants_a_name_at_the_end() {
    assert_eq!(split_parent(Path::new("a/b")).unwrap(), (Path::new("a"), OsStr::new("b")));
    assert_eq!(split_parent(Path::new("b")).unwrap(), (Path::new(""), OsStr::new("b")));
    for bad in ["", "a/..", "/"] {
        assert!(split_parent(Path::new(bad)).is_err(), "{bad:?}");
    }
}
