//! Link the `rpod` binary with packed relative relocations (ELF `DT_RELR`).
//!
//! rpod is position-independent, so every start applies its relative relocations (~14 000)
//! before `main`. In the classic format, 24 bytes each, that meant reading hundreds of KiB of
//! tables at every start; packed, the table is a few KiB. GNU ld 2.38+ and lld write the
//! format, glibc 2.36+ (Debian 12) reads it, in the dynamic loader and in a static PIE alike.
fn main() {
    println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
}
