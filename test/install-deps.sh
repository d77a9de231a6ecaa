#!/usr/bin/env bash
# Installs the real components the end-to-end tests run against (Debian 12 packages):
# a registry, OCI runtimes, Podman for side-by-side comparisons, systemd tools, and the C
# toolchain rpod's build needs (gcc links it and compiles SQLite and AWS-LC; libc6-dev holds the
# static glibc rpod links), and GNU time, which measures rpod's peak memory in hostile_registry.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(systemd podman runc crun conmon docker-registry busybox-static skopeo hyperfine dbus apache2-utils openssl jq curl sqlite3 gcc libc6-dev time)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}"
fi
