//! Link the `rpod` binary with packed relative relocations (ELF `DT_RELR`).
//!
//! rpod is a position-independent executable, and its ~27 000 relative relocations, 24 bytes
//! each in the classic format, made the dynamic loader read and apply 640 KiB of tables at
//! every start: about a third of `rpod generate systemd`'s run time. Packed, the table is a few
//! KiB. GNU ld 2.38+ and lld write the format, glibc 2.36+ (Debian 12) reads it.
fn main() {
    println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
}
