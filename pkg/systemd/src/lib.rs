//! A small client of the systemd manager over D-Bus: restart a unit and wait for its job.
