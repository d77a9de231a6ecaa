//! Layer unpacking (and the copying fallback over its result) on hostile tar streams: raw
//! bytes, or entries built from pieces that attacks use (`..`, whiteouts and opaque markers,
//! symlinks to the sentinel directory beside the root, directly or through `/proc/self/root`).
//! Besides "no panic": nothing outside the work directory is created, changed or removed.

#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use image::layers::craft::CraftedTar;
use inroot::sentinel::TreeSnapshot;
use libfuzzer_sys::fuzz_target;

/// Path pieces an attack combines.
const PIECES: &[&str] = &[
    "a",
    "b",
    "esc",
    "..",
    ".",
    "",
    ".wh.a",
    ".wh.victim",
    ".wh..wh..opq",
    ".wh..",
    "etc",
    "passwd",
    "outside",
    "victim",
    "run",
    "var",
    "proc",
    "self",
    "root",
    "cwd",
];

/// Tar type bytes: every type a layer may hold, the extension headers, and refused ones.
const KINDS: &[u8] = &[b'0', b'1', b'2', b'3', b'4', b'5', b'6', b'7', 0, b'L', b'K', b'x', b'g', b'S', b'V'];

#[derive(Debug, Arbitrary)]
enum Piece {
    Known(u8),
    /// The sentinel directory's absolute path (what an escaping symlink points at).
    Outside,
    Text(String),
}

#[derive(Debug, Arbitrary)]
struct Entry {
    absolute: bool,
    path: Vec<Piece>,
    kind: u8,
    link_absolute: bool,
    link: Vec<Piece>,
    mode: u16,
    data: Vec<u8>,
}

#[derive(Debug, Arbitrary)]
enum Input {
    Raw(Vec<u8>),
    Entries { entries: Vec<Entry>, gzip: bool },
}

/// `<tmp>/rpod-fuzz-layer-<pid>/`: `outside/` (the sentinel) and `work/` (the layer root and
/// the flattened copy), with the sentinel's snapshot. (Not the working directory: libFuzzer
/// writes its corpus relative to that.)
struct Scene {
    base: PathBuf,
    before: TreeSnapshot,
}

fn scene() -> &'static Scene {
    static SCENE: OnceLock<Scene> = OnceLock::new();
    SCENE.get_or_init(|| {
        let base = std::env::temp_dir().join(format!("rpod-fuzz-layer-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(base.join("outside/dir")).unwrap();
        std::fs::create_dir_all(base.join("work")).unwrap();
        std::fs::write(base.join("outside/victim"), "host data").unwrap();
        let before = TreeSnapshot::take(&base, Some(&base.join("work")));
        Scene { base, before }
    })
}

fn join(pieces: &[Piece], absolute: bool, outside: &Path) -> Vec<u8> {
    let mut out: Vec<u8> = if absolute { b"/".to_vec() } else { Vec::new() };
    for (i, piece) in pieces.iter().take(8).enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        match piece {
            Piece::Known(n) => out.extend_from_slice(PIECES[*n as usize % PIECES.len()].as_bytes()),
            Piece::Outside => out.extend_from_slice(outside.as_os_str().as_encoded_bytes()),
            Piece::Text(text) => out.extend(text.bytes().filter(|b| *b != 0)),
        }
    }
    out
}

fn tar_of(input: &Input, outside: &Path) -> Vec<u8> {
    match input {
        Input::Raw(bytes) => bytes.clone(),
        Input::Entries { entries, gzip } => {
            let mut tar = CraftedTar::new();
            for entry in entries.iter().take(32) {
                let kind = KINDS[entry.kind as usize % KINDS.len()];
                let (path, link) =
                    (join(&entry.path, entry.absolute, outside), join(&entry.link, entry.link_absolute, outside));
                tar = if kind == b'3' || kind == b'4' {
                    tar.device(&path, kind, u32::from(entry.mode >> 8), u32::from(entry.mode & 0xff))
                } else {
                    tar.entry(&path, kind, &link, u32::from(entry.mode) & 0o7777, &entry.data)
                };
            }
            let tar = tar.finish();
            if *gzip {
                let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                std::io::Write::write_all(&mut encoder, &tar).unwrap();
                encoder.finish().unwrap()
            } else {
                tar
            }
        }
    }
}

fuzz_target!(|input: Input| {
    let scene = scene();
    let work = scene.base.join("work");
    let (layer, flat) = (work.join("layer"), work.join("flat"));
    let _ = std::fs::remove_dir_all(&layer);
    let _ = std::fs::remove_dir_all(&flat);
    std::fs::create_dir_all(&layer).unwrap();
    let tar = tar_of(&input, &scene.base.join("outside"));
    if image::layers::unpack_layer(&tar[..], &layer, "sha256:fuzz").is_ok() {
        let _ = image::layers::flatten_into(&[layer.clone()], &flat);
    }
    let after = TreeSnapshot::take(&scene.base, Some(&work));
    let changed = after.changes_since(&scene.before);
    assert!(changed.is_empty(), "outside the root changed: {changed:?}");
});
