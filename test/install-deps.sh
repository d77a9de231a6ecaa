#!/usr/bin/env bash
# Installs the real components the end-to-end tests run against (Debian 12 packages):
# a registry, OCI runtimes, Podman for side-by-side comparisons, systemd tools, and the static
# C library (libc6-dev) that rpod links.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(systemd podman runc crun conmon docker-registry busybox-static skopeo hyperfine dbus apache2-utils openssl jq curl sqlite3 libc6-dev)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}"
fi
