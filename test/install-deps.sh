#!/usr/bin/env bash
# Installs the real components the end-to-end tests run against (Debian 12 packages):
# a registry, OCI runtimes, Podman for side-by-side comparisons, systemd tools, and the C
# toolchain rpod's build needs (gcc links it and compiles SQLite and AWS-LC; libc6-dev holds the
# static glibc rpod links), and GNU time, which measures rpod's peak memory in hostile_registry.
# mmdebstrap builds the Debian root filesystems real_services and process_profile run (nginx,
# redis); iproute2 and util-linux (unshare, nsenter) give each of those tests a network namespace.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(systemd podman runc crun conmon docker-registry busybox-static skopeo hyperfine dbus apache2-utils openssl jq curl sqlite3 gcc libc6-dev time mmdebstrap iproute2 util-linux)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}"
fi
