//! Podman-style output: Go templates (`--format`) and tab-aligned tables.
