//! Harness for the black-box tests: a loopback registry, images published over its HTTP API, the systemd sandbox and the rpod binary.
