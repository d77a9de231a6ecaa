//! Pure generation of systemd unit files for containers (`rpod generate systemd`).
