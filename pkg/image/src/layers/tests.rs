use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use inroot::sentinel::TreeSnapshot;

use super::craft::CraftedTar;
use super::stream::{DecompressionLimits, Exceeded};
use super::*;

/// A temporary directory with `layer/` (the unpack root) and `outside/victim`, a host file an
/// attack would reach; remembers everything but the layer to prove it unchanged.
struct Scene {
    dir: tempfile::TempDir,
    before: TreeSnapshot,
}

impl Scene {
    fn new() -> Scene {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["layer", "outside/dir"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        std::fs::write(dir.path().join("outside/victim"), "host data").unwrap();
        let before = TreeSnapshot::take(dir.path(), Some(&dir.path().join("layer")));
        Scene { dir, before }
    }

    fn layer(&self) -> PathBuf {
        self.dir.path().join("layer")
    }

    /// The outside directory as an absolute path, what an attacking symlink points at.
    fn outside(&self) -> String {
        self.dir.path().join("outside").display().to_string()
    }

    fn unpack(&self, tar: Vec<u8>) -> Result<String> {
        unpack_layer(&tar[..], &self.layer(), "sha256:evil")
    }

    fn assert_outside_unchanged(&self) {
        let after = TreeSnapshot::take(self.dir.path(), Some(&self.layer()));
        assert_eq!(after.changes_since(&self.before), Vec::<PathBuf>::new(), "something outside the layer changed");
        assert_eq!(
            std::fs::metadata(self.dir.path().join("outside/victim")).unwrap().nlink(),
            1,
            "the victim got no hard link"
        );
    }
}

fn lstat(path: &Path) -> std::fs::Metadata {
    std::fs::symlink_metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn is_whiteout(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_char_device() && m.rdev() == 0)
}

#[test]
fn whiteouts_delete_and_opaque_dirs_hide_lower_content() {
    let dir = tempfile::tempdir().unwrap();
    let (low, high, root) = (dir.path().join("low"), dir.path().join("high"), dir.path().join("root"));
    for d in [&low, &high] {
        std::fs::create_dir(d).unwrap();
    }
    let lower = CraftedTar::new().file("a", "1").file("gone", "x").file("d/old", "o").file("keep/k", "k").finish();
    let upper =
        CraftedTar::new().file(".wh.gone", "").file("d/.wh..wh..opq", "").file("d/new", "n").file("a", "2").finish();
    unpack_layer(&lower[..], &low, "low").unwrap();
    unpack_layer(&upper[..], &high, "high").unwrap();
    assert!(is_whiteout(&high.join("gone")));
    assert_eq!(xattr::get(high.join("d"), OPAQUE_XATTR).unwrap().as_deref(), Some(&b"y"[..]));
    flatten_into(&[low, high], &root).unwrap();
    assert_eq!(std::fs::read_to_string(root.join("a")).unwrap(), "2");
    assert!(!root.join("gone").exists());
    assert!(!root.join("d/old").exists());
    assert_eq!(std::fs::read_to_string(root.join("d/new")).unwrap(), "n");
    assert_eq!(std::fs::read_to_string(root.join("keep/k")).unwrap(), "k");
}

#[test]
fn the_uncompressed_digest_is_returned_for_the_diff_id_check() {
    let scene = Scene::new();
    let tar = CraftedTar::new().file("a", "1").finish();
    assert_eq!(scene.unpack(tar.clone()).unwrap(), crate::blobs::sha256_digest(&tar));
}

#[test]
fn paths_and_link_targets_with_dotdot_are_refused() {
    for tar in [
        CraftedTar::new().file("../escape", "x"),
        CraftedTar::new().file("a/../../escape", "x"),
        CraftedTar::new().hard_link("h", "../outside/victim"),
        CraftedTar::new().file("a/.wh...", ""),
    ] {
        let scene = Scene::new();
        let err = scene.unpack(tar.finish()).unwrap_err();
        assert!(matches!(err, Error::UnsafeEntry { .. }), "{err}");
        scene.assert_outside_unchanged();
    }
}

#[test]
fn a_symlink_to_the_host_then_a_whiteout_opaque_marker_or_file_through_it_stays_inside() {
    let cases = [
        ("whiteout", "esc/.wh.victim"),
        ("opaque", "esc/dir/.wh..wh..opq"),
        ("new opaque dir", "esc/made/.wh..wh..opq"),
        ("file", "esc/victim"),
        ("file in a dir", "esc/dir/file"),
    ];
    for (what, path) in cases {
        let scene = Scene::new();
        let tar = CraftedTar::new().symlink("esc", &scene.outside()).file(path, "evil").finish();
        let err = scene.unpack(tar).expect_err(what);
        assert!(matches!(&err, Error::EntryFailed { entry, .. } if entry == path), "{what}: {err}");
        let step = if path.ends_with(".wh..wh..opq") {
            "creating the opaque directory"
        } else {
            "creating its parent directory"
        };
        assert!(err.to_string().starts_with(&format!("layer sha256:evil: entry {path:?}: {step}: ")), "{what}: {err}");
        scene.assert_outside_unchanged();
        assert!(xattr::get(scene.dir.path().join("outside/dir"), OPAQUE_XATTR).unwrap().is_none(), "{what}");
    }
}

#[test]
fn symlinks_resolve_inside_the_layer_as_if_it_were_root() {
    let scene = Scene::new();
    let tar = CraftedTar::new()
        .dir("run")
        .dir("var")
        .symlink("var/run", "/run")
        .file("var/run/x", "in /run")
        .symlink("up", "../../../..")
        .file("up/top", "at the root")
        .symlink("abs", &scene.outside())
        .dir(&format!("{}/", scene.outside().trim_start_matches('/')))
        .file("abs/victim", "shadow copy inside")
        .finish();
    scene.unpack(tar).unwrap();
    let layer = scene.layer();
    assert_eq!(
        std::fs::read_to_string(layer.join("run/x")).unwrap(),
        "in /run",
        "var/run/x lands in the layer's own /run"
    );
    assert_eq!(std::fs::read_to_string(layer.join("top")).unwrap(), "at the root", "`..` stops at the layer root");
    let shadow = layer.join(scene.outside().trim_start_matches('/')).join("victim");
    assert_eq!(std::fs::read_to_string(shadow).unwrap(), "shadow copy inside");
    scene.assert_outside_unchanged();
}

#[test]
fn hard_links_reach_only_this_layer() {
    let scene = Scene::new();
    let victim = format!("{}/victim", scene.outside());
    for tar in [
        CraftedTar::new().hard_link("h", &victim),
        CraftedTar::new().symlink("esc", &scene.outside()).hard_link("h", "esc/victim"),
        CraftedTar::new().symlink("v", &victim).symlink("h", "v"),
    ] {
        let scene = Scene::new();
        let result = scene.unpack(tar.finish());
        if result.is_ok() {
            // Only the symlink-to-symlink case unpacks: two symlinks, nothing linked.
            assert!(lstat(&scene.layer().join("h")).file_type().is_symlink());
        }
        scene.assert_outside_unchanged();
    }
    let tar = CraftedTar::new().file("a", "same").hard_link("b", "/a").symlink("s", "a").hard_link("t", "s").finish();
    scene.unpack(tar).unwrap();
    let layer = scene.layer();
    assert_eq!(
        lstat(&layer.join("a")).ino(),
        lstat(&layer.join("b")).ino(),
        "an absolute target names the layer's own file"
    );
    assert!(lstat(&layer.join("t")).file_type().is_symlink(), "a link to a symlink is the symlink, not its target");
    scene.assert_outside_unchanged();
}

#[test]
fn modes_owners_times_and_special_files_are_kept() {
    let scene = Scene::new();
    let tar = CraftedTar::new()
        .entry(b"bin/su", b'0', b"", 0o4755, b"#!")
        .entry(b"tmp/", b'5', b"", 0o1777, b"")
        .device(b"dev/null", b'3', 1, 3)
        .device(b"dev/sda", b'4', 8, 0)
        .entry(b"run/fifo", b'6', b"", 0o640, b"")
        .finish();
    scene.unpack(tar).unwrap();
    let layer = scene.layer();
    assert_eq!(lstat(&layer).mode() & 0o7777, 0o755, "the layer root is 0755 without a ./ entry");
    assert_eq!(lstat(&layer.join("bin/su")).mode() & 0o7777, 0o4755);
    assert_eq!(lstat(&layer.join("bin/su")).mtime(), 1_000_000_000);
    assert_eq!(lstat(&layer.join("tmp")).mode() & 0o7777, 0o1777);
    assert_eq!(lstat(&layer.join("tmp")).mtime(), 1_000_000_000, "directory times are set after their contents");
    let null = lstat(&layer.join("dev/null"));
    assert!(null.file_type().is_char_device() && null.rdev() == nix::sys::stat::makedev(1, 3));
    let sda = lstat(&layer.join("dev/sda"));
    assert!(sda.file_type().is_block_device() && sda.rdev() == nix::sys::stat::makedev(8, 0));
    assert!(lstat(&layer.join("run/fifo")).file_type().is_fifo());
    assert_eq!(lstat(&layer.join("run/fifo")).mode() & 0o7777, 0o640);
    scene.assert_outside_unchanged();
}

#[test]
fn a_root_entry_sets_the_layer_roots_mode_and_owner() {
    let scene = Scene::new();
    let mut tar = CraftedTar::new().entry(b"./", b'5', b"", 0o750, b"").finish();
    // Owner 7:8 in the header's octal fields.
    let mut header = tar::Header::from_byte_slice(&tar[..512]).clone();
    header.set_uid(7);
    header.set_gid(8);
    header.set_cksum();
    tar[..512].copy_from_slice(header.as_bytes());
    scene.unpack(tar).unwrap();
    let root = lstat(&scene.layer());
    assert_eq!((root.mode() & 0o7777, root.uid(), root.gid()), (0o750, 7, 8));
}

#[test]
fn later_entries_replace_earlier_ones_and_directories_merge() {
    let scene = Scene::new();
    let tar = CraftedTar::new()
        .file("d/keep", "k")
        .entry(b"d", b'5', b"", 0o700, b"")
        .file("f", "file first")
        .dir("f")
        .file("f/inner", "i")
        .dir("g")
        .file("g/x", "x")
        .file("g", "a file over a directory")
        .symlink("s", "/nowhere")
        .file("s", "a file over a symlink")
        .finish();
    scene.unpack(tar).unwrap();
    let layer = scene.layer();
    assert_eq!(std::fs::read_to_string(layer.join("d/keep")).unwrap(), "k", "a directory over a directory merges");
    assert_eq!(lstat(&layer.join("d")).mode() & 0o7777, 0o700, "and takes the new mode");
    assert_eq!(std::fs::read_to_string(layer.join("f/inner")).unwrap(), "i");
    assert_eq!(std::fs::read_to_string(layer.join("g")).unwrap(), "a file over a directory");
    assert_eq!(std::fs::read_to_string(layer.join("s")).unwrap(), "a file over a symlink");
}

#[test]
fn entry_types_a_layer_cannot_hold_are_refused() {
    let scene = Scene::new();
    let err = scene.unpack(CraftedTar::new().entry(b"label", b'V', b"", 0o644, b"").finish()).unwrap_err();
    assert_eq!(err.to_string(), "layer sha256:evil: entry \"label\": tar entry type 'V' cannot be part of a layer");
}

#[test]
fn a_decompression_bomb_is_refused() {
    let scene = Scene::new();
    let zeros = vec![0u8; 4 << 20];
    let tar = CraftedTar::new().entry(b"zeros", b'0', b"", 0o644, &zeros).finish();
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut gzip, &tar).unwrap();
    let bomb = gzip.finish().unwrap();
    let limits = DecompressionLimits { total: 1 << 30, ratio: 100, grace: 1 << 20 };
    let err = unpack_layer_within(&bomb[..], &scene.layer(), "sha256:bomb", limits).unwrap_err();
    assert!(matches!(err, Error::DecompressionLimit { exceeded: Exceeded::Ratio { .. }, .. }), "{err}");
    assert!(err.to_string().starts_with("layer sha256:bomb decompresses to more than 100 times"), "{err}");
    let plain = unpack_layer_within(
        &tar[..],
        &scene.layer(),
        "sha256:big",
        DecompressionLimits { total: 1 << 20, ratio: 100, grace: 1 << 20 },
    )
    .unwrap_err();
    assert!(matches!(plain, Error::DecompressionLimit { exceeded: Exceeded::Total { .. }, .. }), "{plain}");
}

#[test]
fn flattening_recreates_special_files_and_never_follows_the_destinations_symlinks() {
    let scene = Scene::new();
    let (low, high, root) = (scene.dir.path().join("low"), scene.dir.path().join("high"), scene.layer().join("rootfs"));
    std::fs::create_dir_all(&low).unwrap();
    std::fs::create_dir_all(&high).unwrap();
    let lower = CraftedTar::new().symlink("d", &scene.outside()).symlink("e", &scene.outside()).finish();
    let upper = CraftedTar::new()
        .file("d/victim", "evil")
        .device(b"dev/sda", b'4', 8, 0)
        .device(b"dev/zero", b'3', 1, 5)
        .entry(b"fifo", b'6', b"", 0o600, b"")
        .finish();
    unpack_layer(&lower[..], &low, "low").unwrap();
    unpack_layer(&upper[..], &high, "high").unwrap();
    let before = TreeSnapshot::take(scene.dir.path(), Some(&scene.layer()));
    // A device read as a file would copy /dev/zero forever, a FIFO would block: bound the time.
    let (tx, rx) = std::sync::mpsc::channel();
    let (lowers, dest) = (vec![low, high], root.clone());
    std::thread::spawn(move || tx.send(flatten_into(&lowers, &dest).map_err(|e| e.to_string())).unwrap());
    rx.recv_timeout(std::time::Duration::from_secs(20)).expect("flattening read a special file").unwrap();
    let after = TreeSnapshot::take(scene.dir.path(), Some(&scene.layer()));
    assert_eq!(after.changes_since(&before), Vec::<PathBuf>::new());
    assert_eq!(
        std::fs::read_to_string(root.join("d/victim")).unwrap(),
        "evil",
        "the upper directory replaced the symlink"
    );
    assert!(lstat(&root.join("e")).file_type().is_symlink());
    let sda = lstat(&root.join("dev/sda"));
    assert!(sda.file_type().is_block_device() && sda.rdev() == nix::sys::stat::makedev(8, 0));
    assert!(lstat(&root.join("dev/zero")).file_type().is_char_device());
    assert!(lstat(&root.join("fifo")).file_type().is_fifo());
}

#[test]
fn a_layer_whose_content_is_not_its_diff_id_is_never_kept() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let honest = CraftedTar::new().file("app", "honest").finish();
    let evil = CraftedTar::new().file("app", "evil").finish();
    let (honest_id, evil_digest) = (crate::blobs::sha256_digest(&honest), crate::blobs::sha256_digest(&evil));
    store.put_blob(&evil_digest, &evil[..]).unwrap();
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [honest_id]},
    }))
    .unwrap();
    let config_digest = store.blobs().put_bytes(&config).unwrap();
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": crate::manifest::OCI_MANIFEST,
        "config": {"mediaType": crate::manifest::OCI_CONFIG, "digest": config_digest, "size": config.len()},
        "layers": [{"mediaType": crate::manifest::OCI_LAYER_TAR, "digest": evil_digest, "size": evil.len()}],
    }))
    .unwrap();
    let image = store
        .commit_image(&crate::store::NewImage { manifest, list_digest: None, names: vec!["quay.io/evil/app:1".into()] })
        .unwrap();
    let err = store.layer_dirs(&image.id).unwrap_err();
    assert!(
        matches!(&err, Error::DiffIdMismatch { expected, actual, .. } if *expected == honest_id && *actual == evil_digest),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!("layer {evil_digest} unpacks to {evil_digest}, but the image config names diff_id {honest_id}")
    );
    assert_eq!(
        std::fs::read_dir(store.layers_dir()).unwrap().count(),
        0,
        "no layer directory, not even a temporary one"
    );
}
