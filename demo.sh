#!/usr/bin/env bash
# The whole rpod loop on one machine, printed step by step:
#   a loopback registry serves busybox:v1 → a container with io.containers.autoupdate=registry
#   → `rpod generate systemd --new` → systemd runs it → v2 is published → `rpod auto-update`
#   → systemd restarted the unit and the container now runs v2.
# Run as root on Debian 12. It installs its packages, builds rpod, uses rpod's default storage
# (/var/lib/rpod, /run/rpod) and cleans up after itself. Without systemd as PID 1 (containers,
# CI machines) the units run under a throwaway systemd from test/sandbox instead.
set -euo pipefail
cd "$(dirname "$0")"
repo=$PWD

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

[[ $(id -u) == 0 ]] || { echo "demo.sh: run as root (sudo ./demo.sh)" >&2; exit 1; }

step "Installing packages and building rpod"
bash test/install-deps.sh
command -v cargo >/dev/null || { echo "demo.sh: cargo not in PATH (see the README: rustup, and sudo keeps root's PATH only from a root shell)" >&2; exit 1; }
echo "Building rpod (the first build takes a few minutes; cargo shows its progress)"
cargo build -p rpod
rpod_bin=$repo/target/$(rustc --print host-tuple)/debug/rpod

work=$(mktemp -d /var/tmp/rpod-demo.XXXXXX)
registry_pid=
sandbox=
cleanup() {
  set +e
  step "Cleaning up"
  if [[ -n $sandbox ]]; then
    test/sandbox/rpod-test-sandbox down "$sandbox"
  else
    systemctl stop container-demo.service 2>/dev/null
    rm -f /etc/systemd/system/container-demo.service
    systemctl daemon-reload
    "$rpod_bin" rmi -f "$image" >/dev/null 2>&1
  fi
  [[ -n $registry_pid ]] && kill "$registry_pid"
  rm -rf "$work"
}
trap cleanup EXIT

# Commands that touch containers or units run where the units run.
if [[ $(ps -p 1 -o comm=) == systemd ]]; then
  inside() { "$@"; }
else
  step "No systemd as PID 1 here: booting a throwaway systemd (test/sandbox/rpod-test-sandbox)"
  sandbox=$work/sandbox
  test/sandbox/rpod-test-sandbox up "$sandbox"
  inside() { test/sandbox/rpod-test-sandbox run "$sandbox" "$@"; }
fi
rpod() { inside "$rpod_bin" "$@"; }

step "Starting a registry on loopback (Debian's docker-registry)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/registry"
cat >"$work/registry.yml" <<YAML
version: 0.1
storage: { filesystem: { rootdirectory: $work/registry }, delete: { enabled: true } }
http: { addr: 127.0.0.1:$port }
log: { level: error }
YAML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
until curl -fs "http://127.0.0.1:$port/v2/" >/dev/null; do sleep 0.1; done
image=127.0.0.1:$port/demo/busybox:latest
echo "registry at 127.0.0.1:$port; the image is $image"

publish() { # VERSION: a busybox root filesystem whose /VERSION says VERSION, pushed as $image
  local rootfs=$work/rootfs-$1
  mkdir -p "$rootfs/bin" "$rootfs/etc"
  cp /bin/busybox "$rootfs/bin/"
  for applet in sh sleep cat echo; do ln -sf busybox "$rootfs/bin/$applet"; done
  echo "$1" >"$rootfs/VERSION"
  echo "root:x:0:0:root:/root:/bin/sh" >"$rootfs/etc/passwd"
  tar -C "$rootfs" -cf "$work/$1.tar" .
  rpod import --quiet --change 'CMD=["sleep", "100000"]' "$work/$1.tar" "localhost/demo/build:$1"
  rpod push --tls-verify=false "localhost/demo/build:$1" "$image"
}

step "Publishing v1"
publish v1

# --network host: the demo's container serves nothing, and rpod's default for root (as Podman's)
# is a bridge with firewall rules; the demo leaves the machine's network untouched.
step "Creating the container: rpod create --network host --label io.containers.autoupdate=registry $image"
rpod create --tls-verify=false --network host --name demo --label io.containers.autoupdate=registry "$image"

step "Generating its unit: rpod generate systemd --new --name demo"
rpod generate systemd --new --name demo >"$work/container-demo.service"
cat "$work/container-demo.service"
inside cp "$work/container-demo.service" /etc/systemd/system/container-demo.service
rpod rm demo >/dev/null
inside systemctl daemon-reload

step "Starting the unit: systemctl start container-demo.service"
inside systemctl start container-demo.service
inside systemctl is-active container-demo.service
echo "the container runs: $(rpod exec demo cat /VERSION)"
rpod ps

step "Publishing v2 under the same tag"
publish v2

step "rpod auto-update --dry-run"
rpod auto-update --dry-run --tls-verify=false

step "rpod auto-update"
rpod auto-update --tls-verify=false

step "After the update"
inside systemctl is-active container-demo.service
rpod ps
version=$(rpod exec demo cat /VERSION)
echo "the container now runs: $version"
[[ $version == v2 ]] || { echo "demo.sh: the container still runs $version" >&2; exit 1; }
step "Done: the unit was restarted over D-Bus and recreated the container from v2"
