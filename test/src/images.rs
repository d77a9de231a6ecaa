//! Test images built from Debian's busybox-static: a root filesystem of about 1 MiB with a
//! shell and the usual tools, as a tarball for `rpod import` or as OCI blobs to publish.

use std::path::Path;

/// Applets linked to busybox in every test image.
const APPLETS: &[&str] =
    &["sh", "sleep", "echo", "cat", "true", "false", "top", "env", "id", "ls", "kill", "trap", "test", "printf", "nc"];

/// An uncompressed root filesystem tar: `/bin/busybox`, its applet links, and `files` (path,
/// contents) so that two images can differ (e.g. a `/VERSION` file).
pub fn busybox_rootfs(files: &[(&str, &str)]) -> Vec<u8> {
    let busybox =
        std::fs::read("/bin/busybox").expect("/bin/busybox (package busybox-static) is needed for test images");
    let mut builder = tar::Builder::new(Vec::new());
    for dir in ["bin", "etc", "tmp", "proc", "sys", "dev", "run"] {
        let mut header = header(tar::EntryType::Directory, 0, 0o755);
        builder.append_data(&mut header, dir, std::io::empty()).expect("a directory entry");
    }
    let mut bin = header(tar::EntryType::Regular, busybox.len() as u64, 0o755);
    builder.append_data(&mut bin, "bin/busybox", &busybox[..]).expect("the busybox entry");
    for applet in APPLETS {
        let mut link = header(tar::EntryType::Symlink, 0, 0o777);
        builder.append_link(&mut link, format!("bin/{applet}"), "busybox").expect("an applet link");
    }
    let passwd = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n";
    for (path, contents) in std::iter::once(("etc/passwd", passwd)).chain(files.iter().copied()) {
        let mut file = header(tar::EntryType::Regular, contents.len() as u64, 0o644);
        builder.append_data(&mut file, path.trim_start_matches('/'), contents.as_bytes()).expect("a file entry");
    }
    builder.into_inner().expect("the finished tar")
}

fn header(kind: tar::EntryType, size: u64, mode: u32) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_size(size);
    header.set_mode(mode);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(1_700_000_000);
    header
}

/// A one-layer OCI image: the blobs a registry needs.
pub struct TestImage {
    pub manifest: Vec<u8>,
    pub config: Vec<u8>,
    pub layer: Vec<u8>,
    /// `sha256:…` of the manifest, what a registry reports as the tag's digest.
    pub manifest_digest: String,
}

impl TestImage {
    /// A busybox image with `files` added and Dockerfile-style `changes` (`CMD=…`, `ENV=…`).
    pub fn busybox(files: &[(&str, &str)], changes: &[&str]) -> TestImage {
        let layer = busybox_rootfs(files);
        let changes: Vec<image::import::Change> =
            changes.iter().map(|c| image::import::Change::parse(c).expect("a valid change")).collect();
        let digest = image::blobs::sha256_digest(&layer);
        let built = image::import::one_layer_image(&digest, layer.len() as u64, &changes, chrono::Utc::now())
            .expect("an OCI image");
        TestImage {
            manifest_digest: image::blobs::sha256_digest(&built.manifest),
            manifest: built.manifest,
            config: built.config,
            layer,
        }
    }

    /// Writes the root filesystem tarball for `rpod import` to `path`.
    pub fn write_rootfs(&self, path: &Path) {
        std::fs::write(path, &self.layer).expect("writing the rootfs tarball");
    }
}
