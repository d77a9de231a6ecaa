//! Volumes side by side with Podman 4.3.1 (same image, same flags, outputs compared): what a
//! copy-up keeps, what an image's `VOLUME` becomes, and a `local` volume with a filesystem of its
//! own (`--opt type=tmpfs`), mounted while containers use it. Containers run with
//! `--network none`: nothing here needs a network.

use std::path::Path;

use rpod_e2e::{Engine, Podman, TestEnv};

const IMAGE: &str = "localhost/rpod-test/volumes:1";

/// A busybox root filesystem whose `/data` holds what a copy-up must keep: times, owners,
/// modes (setuid too), a hard link, a symlink, a FIFO and a device node.
fn rootfs() -> Vec<u8> {
    let mut base = rpod_e2e::images::busybox_rootfs(&[]);
    // The tar crate ends an archive with two zero blocks; entries appended after them would be
    // unreadable, so the busybox archive is continued from just before them.
    base.truncate(base.len() - 1024);
    let mut builder = tar::Builder::new(base);
    let entry = |kind: tar::EntryType, mode: u32, owner: (u64, u64), mtime: u64| {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(kind);
        header.set_mode(mode);
        header.set_uid(owner.0);
        header.set_gid(owner.1);
        header.set_mtime(mtime);
        header.set_size(0);
        header
    };
    let mut add = |header: &mut tar::Header, path: &str, data: &[u8]| {
        header.set_size(data.len() as u64);
        builder.append_data(header, path, data).expect("a data entry");
    };
    add(&mut entry(tar::EntryType::Directory, 0o750, (1000, 100), 1_500_000_000), "data", b"");
    add(&mut entry(tar::EntryType::Regular, 0o640, (1000, 100), 1_400_000_000), "data/f", b"hello\n");
    add(&mut entry(tar::EntryType::Directory, 0o700, (7, 8), 1_300_000_000), "data/sub", b"");
    add(&mut entry(tar::EntryType::Regular, 0o644, (0, 0), 1_200_000_000), "data/sub/g", b"g");
    add(&mut entry(tar::EntryType::Regular, 0o4755, (0, 0), 1_000_000_000), "data/suid", b"x");
    add(&mut entry(tar::EntryType::Fifo, 0o600, (0, 0), 1_000_000_000), "data/fifo", b"");
    let mut null = entry(tar::EntryType::Char, 0o666, (0, 0), 1_000_000_000);
    null.set_device_major(1).expect("a major");
    null.set_device_minor(3).expect("a minor");
    add(&mut null, "data/null", b"");
    add(&mut entry(tar::EntryType::Directory, 0o711, (0, 0), 1_600_000_000), "empty", b"");
    let mut link = entry(tar::EntryType::Symlink, 0o777, (1000, 100), 1_100_000_000);
    builder.append_link(&mut link, "data/link", "f").expect("a symlink");
    let mut hard = entry(tar::EntryType::Link, 0o640, (1000, 100), 1_400_000_000);
    builder.append_link(&mut hard, "data/hard", "data/f").expect("a hard link");
    builder.into_inner().expect("the archive")
}

/// Both engines with [`IMAGE`] imported (with `VOLUME /data` and a command).
fn engines() -> (Podman, TestEnv) {
    let (podman, rpod) = (Podman::new(), TestEnv::new());
    let tarball = rpod.dir().join("volumes.tar");
    std::fs::write(&tarball, rootfs()).expect("writing the image tarball");
    for engine in [&podman as &dyn Engine, &rpod] {
        let args = ["import", "-q", "--change", "CMD=[\"sh\"]", "--change", "VOLUME=/data"];
        engine.check(&[&args[..], &[tarball.to_str().expect("a UTF-8 path"), IMAGE]].concat());
    }
    (podman, rpod)
}

/// The storage root of `engine`, one of the pair.
fn engine_root(engine: &dyn Engine, podman: &Podman, rpod: &TestEnv) -> std::path::PathBuf {
    if engine.name() == "podman" {
        podman.dir().join("root")
    } else {
        rpod.root()
    }
}

/// Inspect or JSON text as both engines must print it byte for byte: the storage root and the
/// creation times, which differ, are replaced.
fn comparable(text: &str, root: &Path) -> String {
    let created = regex::Regex::new(r#""CreatedAt": ?"[^"]*""#).expect("a regex");
    let text = created.replace_all(&without(text, root), "\"CreatedAt\": TIME").into_owned();
    if text.starts_with("[\n     {") {
        four_space_indent(&text)
    } else {
        text
    }
}

/// `text` with JSON indented by four spaces: Podman 4.3.1 indents `inspect` by five, Podman 5
/// (which rpod follows) by four.
fn four_space_indent(text: &str) -> String {
    let lines = text.lines().map(|line| {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if indent % 5 == 0 {
            format!("{}{}", "    ".repeat(indent / 5), line.trim_start_matches(' '))
        } else {
            line.to_string()
        }
    });
    let mut text = lines.collect::<Vec<_>>().join("\n");
    text.push('\n');
    text
}

/// `text` with `root` (an engine's storage directory) replaced by `ROOT`.
fn without(text: &str, root: &Path) -> String {
    text.replace(&root.display().to_string(), "ROOT")
}

#[test]
fn copy_up_keeps_what_podmans_keeps() {
    let (podman, rpod) = engines();
    let listing = "ls -la --full-time -n /data /data/sub | grep -v ' \\.\\.$'; stat -c '%n %h %i' /data/f /data/hard";
    let mut outputs = Vec::new();
    for engine in [&podman as &dyn Engine, &rpod] {
        let run = ["run", "--rm", "--network", "none", "-v", "copied:/data", "-v", "blank:/empty", IMAGE];
        let out = engine.check(&[&run[..], &["sh", "-c", listing]].concat());
        let (f, hard) = out.lines().rev().take(2).fold((None, None), |acc, line| {
            let inode = line.rsplit(' ').next().map(str::to_string);
            if line.starts_with("/data/f ") {
                (inode, acc.1)
            } else {
                (acc.0, inode)
            }
        });
        assert_eq!(f, hard, "{}: the hard link stays one file:\n{out}", engine.name());
        // Inode numbers differ between engines; the rest must not.
        let listing: Vec<String> = out
            .lines()
            .map(|line| match line.rsplit_once(' ') {
                Some((kept, _)) if line.starts_with("/data/f ") || line.starts_with("/data/hard ") => kept.to_string(),
                _ => line.to_string(),
            })
            .collect();
        let flags =
            engine.check(&["volume", "inspect", "--format", "{{.NeedsCopyUp}} {{.NeedsChown}}", "copied", "blank"]);
        let blank = engine.check(&[
            "run",
            "--rm",
            "--network",
            "none",
            "-v",
            "blank:/empty",
            IMAGE,
            "ls",
            "-ldn",
            "--full-time",
            "/empty",
        ]);
        let root = engine_root(engine, &podman, &rpod);
        let inspect = comparable(&engine.check(&["volume", "inspect", "copied", "blank"]), &root);
        // As values: Podman 4.3.1 indents this list by two spaces (and empty maps oddly), 5 by four.
        let ls_json: serde_json::Value = serde_json::from_str(
            &comparable(&engine.check(&["volume", "ls", "--format", "json"]), &root).replace("TIME", "0"),
        )
        .expect("volume ls JSON");
        outputs.push((listing.join("\n"), flags, blank, inspect, ls_json));
    }
    assert_eq!(outputs[1], outputs[0], "rpod (left) against Podman (right)");
}

#[test]
fn an_images_volume_is_an_anonymous_volume_unless_a_mount_covers_it() {
    let (podman, rpod) = engines();
    let mut outputs = Vec::new();
    for (engine, root) in [(&podman as &dyn Engine, podman.dir().join("root")), (&rpod, rpod.root())] {
        let created = engine.check(&["create", "--network", "none", IMAGE, "true"]);
        let id = created.trim();
        let mounts = engine.check(&["inspect", "--format", "{{json .Mounts}}", id]);
        let volumes = engine.check(&["volume", "ls", "--format", "{{.Name}}"]);
        let name = volumes.trim();
        assert_eq!(name.len(), 64, "{}: one anonymous volume: {volumes}", engine.name());
        // Compared as JSON values: rpod's template `json` prints keys sorted, Podman's in its
        // struct's order.
        let mounts: serde_json::Value =
            serde_json::from_str(&without(&mounts.replace(name, "NAME"), &root)).expect("Mounts as JSON");
        let covered = engine.check(&["create", "--network", "none", "-v", "mine:/data/", IMAGE, "true"]);
        let ignored = engine.check(&["create", "--network", "none", "--image-volume", "ignore", IMAGE, "true"]);
        engine.check(&["rm", "-v", id, covered.trim(), ignored.trim()]);
        let left = engine.check(&["volume", "ls", "--format", "{{.Name}}"]);
        let refused = engine.run(&["create", "--image-volume", "anonymous", IMAGE, "true"]);
        outputs.push((mounts, left, refused.code, refused.stderr));
    }
    assert_eq!(outputs[1], outputs[0], "rpod (left) against Podman (right)");
}

#[test]
fn a_tmpfs_volume_is_mounted_while_containers_use_it() {
    let (podman, rpod) = engines();
    let mut outputs = Vec::new();
    for (engine, root) in [(&podman as &dyn Engine, podman.dir().join("root")), (&rpod, rpod.root())] {
        let opts =
            ["--opt", "type=tmpfs", "--opt", "device=tmpfs", "--opt", "o=uid=1000,gid=100,mode=0750,nr_inodes=1000"];
        engine.check(&[&["volume", "create"][..], &opts, &["scratch"]].concat());
        let inspect = comparable(&engine.check(&["volume", "inspect", "scratch"]), &root);
        let mountpoint = root.join("volumes/scratch/_data");
        let mounted = || {
            let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
            mountinfo.lines().any(|line| line.split(' ').nth(4) == Some(mountpoint.to_str().expect("UTF-8")))
        };
        let script = "grep ' /t ' /proc/mounts; ls -ldn /t | cut -c1-25; echo shared > /t/f; exec sleep 1000";
        let name = format!("holder-{}", engine.name());
        let guard = rpod_e2e::ContainerGuard::new(engine, &name);
        let holder = ["run", "-d", "--name", &name, "--network", "none", "-v", "scratch:/t", IMAGE, "sh", "-c", script];
        engine.check(&holder);
        let ready = (0..100).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(100));
            engine.check(&["logs", &name]).lines().count() >= 2
        });
        assert!(ready, "{}: the holder never wrote", engine.name());
        let seen = engine.check(&["logs", &name]);
        let while_used = (mounted(), engine.check(&["volume", "inspect", "--format", "{{.MountCount}}", "scratch"]));
        let reader = engine.check(&["run", "--rm", "--network", "none", "-v", "scratch:/t", IMAGE, "cat", "/t/f"]);
        let after_reader = engine.check(&["volume", "inspect", "--format", "{{.MountCount}}", "scratch"]);
        engine.check(&["rm", "-f", "-t", "0", &name]);
        drop(guard);
        let after_stop = (mounted(), engine.check(&["volume", "inspect", "--format", "{{.MountCount}}", "scratch"]));
        engine.check(&["volume", "rm", "scratch"]);
        outputs.push((inspect, seen, while_used, reader, after_reader, after_stop));
    }
    assert_eq!(outputs[0].2, (true, "1\n".to_string()), "Podman: mounted once while used");
    assert_eq!(outputs[1], outputs[0], "rpod (left) against Podman (right)");
}
