#!/usr/bin/env bash
# rpod auto-update --dry-run next to podman auto-update --dry-run, on N = 1, 10, 50 running
# containers of one image, both inside one systemd sandbox and against one loopback registry.
# Prints mean times (hyperfine), the ratio podman/rpod, and max RSS (/usr/bin/time -v).
#
#   bench/auto-update.sh [N...]        (default: 1 10 50; needs root, hyperfine, podman,
#                                       docker-registry, busybox-static; builds rpod first)
#
# RPOD_BIN=path/to/rpod compares another build; the default is the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("${@:-1 10 50}")
read -r -a counts <<<"${counts[*]}"
sandbox=$PWD/test/sandbox/rpod-test-sandbox
if [[ -z ${RPOD_BIN:-} ]]; then cargo build -q --release -p rpod; fi
rpod=${RPOD_BIN:-$PWD/target/$(rustc --print host-tuple)/release/rpod}

work=$(mktemp -d /var/tmp/rpod-bench.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
reg=127.0.0.1:$port
image=$reg/bench/busybox:latest
cleanup() {
  "$sandbox" down "$work/sandbox" 2>/dev/null || true
  [[ -n ${registry_pid:-} ]] && kill "$registry_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A loopback registry with one busybox image in it.
mkdir -p "$work/registry"
cat >"$work/registry.yml" <<YML
version: 0.1
storage: { filesystem: { rootdirectory: $work/registry }, delete: { enabled: true } }
http: { addr: $reg }
log: { level: error }
YML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 50); do curl -fs "http://$reg/v2/" >/dev/null && break; sleep 0.1; done
mkdir -p "$work/rootfs/bin"
cp /bin/busybox "$work/rootfs/bin/busybox"
for app in sh sleep true; do ln -s busybox "$work/rootfs/bin/$app"; done
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .

# The sandbox, with Podman configured inside its overlay only.
mkdir -p "$work/sandbox"
"$sandbox" up "$work/sandbox" >/dev/null
in_sandbox() { "$sandbox" run "$work/sandbox" "$@"; }
in_sandbox sh -c "mkdir -p /etc/containers/registries.conf.d && cat >/etc/containers/containers.conf <<CONF
[containers]
default_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]
[engine]
runtime = \"runc\"
events_logger = \"file\"
CONF
printf '[[registry]]\nlocation = \"$reg\"\ninsecure = true\n' >/etc/containers/registries.conf.d/bench.conf"
podman_=(podman --storage-driver vfs --root "$work/podman-root" --runroot "$work/podman-runroot")
rpod_=("$rpod" --root "$work/rpod-root" --runroot "$work/rpod-runroot")
in_sandbox "${podman_[@]}" import -q "$work/rootfs.tar" "$image" >/dev/null
in_sandbox "${podman_[@]}" push -q --tls-verify=false "$image"
# Pulled back so the local image carries the registry's digest: the run finds it up to date.
in_sandbox "${podman_[@]}" pull -q --tls-verify=false "$image" >/dev/null
in_sandbox "${rpod_[@]}" pull -q --tls-verify=false "$image" >/dev/null 2>&1

running=0
printf '%-4s %12s %12s %8s %14s %14s\n' N podman_ms rpod_ms ratio podman_rss_kb rpod_rss_kb
for n in "${counts[@]}"; do
  while ((running < n)); do
    running=$((running + 1))
    labels=(--label io.containers.autoupdate=registry --label "PODMAN_SYSTEMD_UNIT=bench-$running.service")
    in_sandbox "${podman_[@]}" run -d -q --name "p$running" "${labels[@]}" "$image" sleep 100000 >/dev/null
    in_sandbox env PODMAN_SYSTEMD_UNIT="bench-$running.service" "${rpod_[@]}" run -d --name "r$running" \
      --label io.containers.autoupdate=registry "$image" sleep 100000 >/dev/null
  done
  json=$work/hyperfine-$n.json
  in_sandbox hyperfine -N -w 2 -r 10 --export-json "$json" \
    -n podman "${podman_[*]} auto-update --dry-run" -n rpod "${rpod_[*]} auto-update --dry-run --tls-verify=false" >/dev/null
  rss() { in_sandbox /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}'; }
  podman_rss=$(rss "${podman_[@]}" auto-update --dry-run)
  rpod_rss=$(rss "${rpod_[@]}" auto-update --dry-run --tls-verify=false)
  in_sandbox cat "$json" | jq -r --arg n "$n" --arg prss "$podman_rss" --arg rrss "$rpod_rss" '
    (.results[] | select(.command == "podman") | .mean * 1000) as $p
    | (.results[] | select(.command == "rpod") | .mean * 1000) as $r
    | [$n, ($p | floor), ($r | floor), (($p / $r) * 10 | floor / 10), $prss, $rrss] | @tsv' |
    awk -F'\t' '{printf "%-4s %12s %12s %7sx %14s %14s\n", $1, $2, $3, $4, $5, $6}'
done
