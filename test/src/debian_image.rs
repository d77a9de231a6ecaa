//! Real distribution software as a test image: a Debian bookworm root filesystem with the
//! packages the real-service tests run, built by `mmdebstrap` from Debian's mirror. Building
//! takes 30 to 60 s, so it happens once per machine: the tar is kept in [`CACHE_DIR`], named
//! after mmdebstrap's arguments, and built by one test while every other one (in this process or
//! another test binary) waits on a lock file.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

/// Where built root filesystems stay between test runs (not under the test base, which each
/// run empties).
pub const CACHE_DIR: &str = "/var/tmp/rpod-test-cache";

/// The packages in the image: two daemons (nginx drops privileges to www-data; redis with its
/// client), `ps` to see who runs what, and `keyctl` for a system call Podman's seccomp profile
/// denies (`add_key`). util-linux (`setarch`, `unshare`) and coreutils are in every bookworm.
pub const PACKAGES: &[&str] = &["nginx-light", "redis-server", "procps", "keyutils"];

/// What goes into the tar besides the packages: the essential variant (no apt: nothing installs
/// packages in the tests) and no documentation, manual pages or translations, which takes it from
/// 190 MB to 130 MB; every test imports it into rpod and Podman.
const OPTIONS: &[&str] = &[
    "--variant=essential",
    "--dpkgopt=path-exclude=/usr/share/doc/*",
    "--dpkgopt=path-include=/usr/share/doc/*/copyright",
    "--dpkgopt=path-exclude=/usr/share/man/*",
    "--dpkgopt=path-exclude=/usr/share/locale/*",
    "--dpkgopt=path-exclude=/usr/share/info/*",
];

/// The bookworm root filesystem with [`PACKAGES`], as a tar to import; built on first use.
pub fn bookworm_rootfs() -> &'static Path {
    static TARBALL: OnceLock<PathBuf> = OnceLock::new();
    TARBALL.get_or_init(|| cached_rootfs(&mmdebstrap_args(PACKAGES)))
}

/// mmdebstrap's arguments before the output path.
fn mmdebstrap_args(packages: &[&str]) -> Vec<String> {
    let mut sorted = packages.to_vec();
    sorted.sort_unstable();
    let mut args: Vec<String> = ["--quiet", "--format=tar"].iter().chain(OPTIONS).map(|a| a.to_string()).collect();
    args.push(format!("--include={}", sorted.join(",")));
    args.push("bookworm".to_string());
    args
}

/// The tar mmdebstrap makes with `args`, from the cache, or built there under an exclusive lock:
/// into a temporary name, then renamed, so no one ever reads half a tar.
fn cached_rootfs(args: &[String]) -> PathBuf {
    std::fs::create_dir_all(CACHE_DIR).expect("creating the test image cache");
    let key = cache_key(args);
    let tarball = Path::new(CACHE_DIR).join(format!("bookworm-{key}.tar"));
    let lock = File::create(Path::new(CACHE_DIR).join(format!("bookworm-{key}.lock"))).expect("the cache lock file");
    lock.lock().expect("locking the test image cache");
    if !tarball.exists() {
        let partial = Path::new(CACHE_DIR).join(format!("bookworm-{key}.tar.partial"));
        let _ = std::fs::remove_file(&partial); // left by a build that was killed
        build(args, &partial);
        std::fs::rename(&partial, &tarball).expect("moving the built root filesystem into place");
    }
    tarball
}

/// The first 16 hex digits of the SHA-256 of the arguments, one per line.
fn cache_key(args: &[String]) -> String {
    hex::encode(&Sha256::digest(args.join("\n").as_bytes())[..8])
}

/// `mmdebstrap ARGS OUT`. It needs Debian's mirror, so it runs in the test process's own network
/// namespace, before any test namespace. Its scratch directory goes in the cache, not /tmp.
fn build(args: &[String], out: &Path) {
    let result = Command::new("mmdebstrap")
        .args(args)
        .arg(out)
        .env("TMPDIR", CACHE_DIR)
        .output()
        .expect("running mmdebstrap (test/install-deps.sh installs it)");
    assert!(
        result.status.success(),
        "mmdebstrap could not build the bookworm image (is deb.debian.org reachable?):\n{}",
        String::from_utf8_lossy(&result.stderr)
    );
}

#[cfg(test)]
mod tests {
    use super::{cache_key, mmdebstrap_args};

    #[test]
    fn the_cache_key_follows_the_packages_not_their_order() {
        let key = |packages: &[&str]| cache_key(&mmdebstrap_args(packages));
        assert_eq!(key(&["a", "b"]), key(&["b", "a"]));
        assert_ne!(key(&["a", "b"]), key(&["a", "c"]));
        assert_eq!(key(&["a"]).len(), 16);
    }
}
