//! Layer tars written header by header, with names the tar crate's builder refuses (`..`,
//! absolute hard link targets): what hostile registries serve, for the tests and the fuzz
//! target that check unpacking against them.

/// A tar archive being written.
#[derive(Debug, Default, Clone)]
pub struct CraftedTar {
    bytes: Vec<u8>,
}

impl CraftedTar {
    pub fn new() -> CraftedTar {
        CraftedTar::default()
    }

    /// Appends one entry: `kind` is the tar type byte (`b'0'` file, `b'1'` hard link, `b'2'`
    /// symlink, `b'3'`/`b'4'` char/block device, `b'5'` directory, `b'6'` FIFO…), names are
    /// written as given (cut at 100 bytes), owner root, time 1 000 000 000.
    pub fn entry(mut self, name: &[u8], kind: u8, link: &[u8], mode: u32, data: &[u8]) -> CraftedTar {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(mode);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(1_000_000_000);
        if let Some(gnu) = header.as_gnu_mut() {
            let name = &name[..name.len().min(100)];
            let link = &link[..link.len().min(100)];
            gnu.name[..name.len()].copy_from_slice(name);
            gnu.linkname[..link.len()].copy_from_slice(link);
            gnu.typeflag[0] = kind;
        }
        if kind == b'3' || kind == b'4' {
            let _ = header.set_device_major(0);
            let _ = header.set_device_minor(0);
        }
        header.set_cksum();
        self.bytes.extend_from_slice(header.as_bytes());
        self.bytes.extend_from_slice(data);
        self.bytes.resize(self.bytes.len().div_ceil(512) * 512, 0);
        self
    }

    /// A device entry with its numbers.
    pub fn device(mut self, name: &[u8], kind: u8, major: u32, minor: u32) -> CraftedTar {
        self = self.entry(name, kind, b"", 0o600, b"");
        let start = self.bytes.len() - 512;
        let header = tar::Header::from_byte_slice(&self.bytes[start..]);
        let mut header = header.clone();
        let _ = header.set_device_major(major);
        let _ = header.set_device_minor(minor);
        header.set_cksum();
        self.bytes[start..].copy_from_slice(header.as_bytes());
        self
    }

    pub fn file(self, name: &str, data: &str) -> CraftedTar {
        self.entry(name.as_bytes(), b'0', b"", 0o644, data.as_bytes())
    }

    pub fn dir(self, name: &str) -> CraftedTar {
        self.entry(name.as_bytes(), b'5', b"", 0o755, b"")
    }

    pub fn symlink(self, name: &str, target: &str) -> CraftedTar {
        self.entry(name.as_bytes(), b'2', target.as_bytes(), 0o777, b"")
    }

    pub fn hard_link(self, name: &str, target: &str) -> CraftedTar {
        self.entry(name.as_bytes(), b'1', target.as_bytes(), 0o644, b"")
    }

    /// The archive with its two zero blocks of end.
    pub fn finish(mut self) -> Vec<u8> {
        self.bytes.extend_from_slice(&[0u8; 1024]);
        self.bytes
    }
}
