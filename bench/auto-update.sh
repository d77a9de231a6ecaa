#!/usr/bin/env bash
# rpod auto-update next to podman auto-update, both inside one systemd sandbox and against one
# loopback registry:
#   N = 1, 10, 50   `auto-update --dry-run` with N running containers of one image;
#   update          a real update: a container under its unit from `generate systemd --new`,
#                   a new image published before every run, pulled, and the unit restarted;
#   scale           a real update of 30 such units on 5 images, every image new each run.
# Prints mean times (hyperfine), the ratio podman/rpod, and max RSS (/usr/bin/time -v).
#
#   bench/auto-update.sh [N...]        (default: 1 10 50; needs root, hyperfine, podman,
#                                       docker-registry, busybox-static; builds rpod first)
#
# RPOD_BIN=path/to/rpod compares another build; the default is the release build. Either is
# measured from an installed copy (see bench/lib.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("${@:-1 10 50}")
read -r -a counts <<<"${counts[*]}"
sandbox=$PWD/test/sandbox/rpod-test-sandbox
source bench/lib.sh
rpod_src=$(rpod_build)

work=$(mktemp -d /var/tmp/rpod-bench.XXXXXX)
rpod=$(rpod_install "$rpod_src" "$work")
podman_=(podman --storage-driver vfs --root "$work/podman-root" --runroot "$work/podman-runroot")
rpod_=("$rpod" --root "$work/rpod-root" --runroot "$work/rpod-runroot")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
reg=127.0.0.1:$port
image=$reg/bench/busybox:latest
cleanup() {
  # Every container is removed by its own tool first, the units' by stopping the units, so each
  # tool cleans up after itself as on a real host; the sandbox's `down` only sweeps its cgroups.
  if [[ -f $work/sandbox/manager.pid ]]; then
    "$sandbox" run "$work/sandbox" systemctl stop 'container-*.service' >/dev/null 2>&1 || true
    "$sandbox" run "$work/sandbox" "${rpod_[@]}" rm -f -a -t 0 >/dev/null 2>&1 || true
    "$sandbox" run "$work/sandbox" "${podman_[@]}" rm -f -a -t 0 >/dev/null 2>&1 || true
  fi
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
netns = \"host\"
default_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]
[engine]
runtime = \"runc\"
events_logger = \"file\"
CONF
printf '[[registry]]\nlocation = \"$reg\"\ninsecure = true\n' >/etc/containers/registries.conf.d/bench.conf"
in_sandbox "${podman_[@]}" import -q "$work/rootfs.tar" "$image" >/dev/null
in_sandbox "${podman_[@]}" push -q --tls-verify=false "$image"
# Pulled back so the local image carries the registry's digest: the run finds it up to date.
in_sandbox "${podman_[@]}" pull -q --tls-verify=false "$image" >/dev/null
in_sandbox "${rpod_[@]}" pull -q --tls-verify=false "$image" >/dev/null 2>&1

# One row of the table from a hyperfine export with a "podman" and an "rpod" command.
row() { # NAME JSON PODMAN_RSS RPOD_RSS
  in_sandbox cat "$2" | jq -r --arg n "$1" --arg prss "$3" --arg rrss "$4" '
    (.results[] | select(.command == "podman") | .mean * 1000) as $p
    | (.results[] | select(.command == "rpod") | .mean * 1000) as $r
    | [$n, ($p | floor), ($r | floor), (($p / $r) * 10 | floor / 10), $prss, $rrss] | @tsv' |
    awk -F'\t' '{printf "%-6s %12s %12s %7sx %14s %14s\n", $1, $2, $3, $4, $5, $6}'
}
rss() { in_sandbox /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}'; }

podman_dry=("${podman_[@]}" auto-update --dry-run)
rpod_dry=("${rpod_[@]}" auto-update --dry-run --tls-verify=false)
running=0
printf '%-6s %12s %12s %8s %14s %14s\n' N podman_ms rpod_ms ratio podman_rss_kb rpod_rss_kb
for n in "${counts[@]}"; do
  while ((running < n)); do
    running=$((running + 1))
    labels=(--label io.containers.autoupdate=registry --label "PODMAN_SYSTEMD_UNIT=bench-$running.service")
    in_sandbox "${podman_[@]}" run -d -q --name "p$running" "${labels[@]}" "$image" sleep 100000 >/dev/null
    in_sandbox env PODMAN_SYSTEMD_UNIT="bench-$running.service" "${rpod_[@]}" run -d --name "r$running" \
      --label io.containers.autoupdate=registry "$image" sleep 100000 >/dev/null
  done
  json=$work/hyperfine-$n.json
  # The setup's pulls and creates leave dirty pages behind; written back during a row, they
  # slowed it by a third (N = 1 took 8 ms where N = 10 took 5.6 ms right after it).
  sync
  in_sandbox hyperfine -N -w 5 -r 30 --export-json "$json" -n podman "${podman_dry[*]}" -n rpod "${rpod_dry[*]}" >/dev/null
  row "$n" "$json" "$(rss "${podman_dry[@]}")" "$(rss "${rpod_dry[@]}")"
done

# A real update. Each tool gets its own storage, so the containers above (whose units do not
# exist) stay out of it, and one container under a unit generated with --new. Before every run
# (warm-up and RSS runs too) a new image is published, so every run pulls it and restarts the
# unit, which recreates the container from the new image.
real=$reg/bench/real:latest
podman_real=(podman --storage-driver vfs --root "$work/podman-real" --runroot "$work/podman-real-run")
rpod_real=("$rpod" --root "$work/rpod-real" --runroot "$work/rpod-real-run")
podman_update=("${podman_real[@]}" auto-update)
rpod_update=("${rpod_real[@]}" auto-update --tls-verify=false)
publisher="'$rpod' --root '$work/publisher' --runroot '$work/publisher-run'"  # quoted for the script below
cat >"$work/publish" <<SH
#!/bin/sh
set -e
date +%s%N >"$work/rootfs/version"
tar -C "$work/rootfs" -cf "$work/real.tar" .
$publisher import -q "$work/real.tar" "$real" >/dev/null
$publisher push --tls-verify=false "$real" 2>/dev/null
SH
chmod +x "$work/publish"
in_sandbox "$work/publish"
install_unit() { # CONTAINER IMAGE TOOL-ARGV...: create it, install its --new unit (not started)
  local name=$1 image=$2
  local tool=("${@:3}")
  # The command ends at SIGTERM, so a restart measures the tools, not a 10 s stop timeout.
  in_sandbox "${tool[@]}" create --name "$name" --label io.containers.autoupdate=registry "$image" \
    sh -c 'trap "exit 0" TERM; sleep 100000 & wait' >/dev/null
  in_sandbox sh -c "$(printf '%q ' "${tool[@]}") generate systemd --new --name $name >/etc/systemd/system/container-$name.service"
  in_sandbox "${tool[@]}" rm "$name" >/dev/null
  # Seven restarts in a few seconds would hit systemd's start limit (5 in 10 s) in any unit.
  in_sandbox sh -c "mkdir -p /etc/systemd/system/container-$name.service.d &&
    printf '[Unit]\nStartLimitIntervalSec=0\n' >/etc/systemd/system/container-$name.service.d/bench.conf"
}
start_unit() { # CONTAINER TOOL-ARGV...: install_unit on the "real" image, then start the unit
  install_unit "$1" "$real" "${@:2}"
  in_sandbox systemctl daemon-reload
  in_sandbox systemctl start "container-$1.service"
}
in_sandbox "${podman_real[@]}" pull -q --tls-verify=false "$real" >/dev/null
in_sandbox "${rpod_real[@]}" pull -q --tls-verify=false "$real" >/dev/null 2>&1
start_unit preal "${podman_real[@]}"
start_unit rreal "${rpod_real[@]}"
json=$work/hyperfine-update.json
in_sandbox hyperfine -N -w 1 -r 5 --prepare "$work/publish" --export-json "$json" \
  -n podman "${podman_update[*]}" -n rpod "${rpod_update[*]}" >/dev/null
updated_rss() { in_sandbox "$work/publish" && rss "$@"; }
row update "$json" "$(updated_rss "${podman_update[@]}")" "$(updated_rss "${rpod_update[@]}")"
# The runs above must have been real updates: one more publish, and both must say so.
in_sandbox "$work/publish"
must_update() { # TOOL AUTO-UPDATE-ARGV...
  in_sandbox "${@:2}" --format '{{.Updated}}' 2>/dev/null | grep -qx true || { echo "bench: $1 did not update its container" >&2; exit 1; }
}
must_update podman "${podman_update[@]}"
must_update rpod "${rpod_update[@]}"

# Scale: 30 units from `generate systemd --new` on 5 images per tool, each tool in storage of
# its own; before every run all 5 images are published anew, so every run pulls 5 images and
# restarts all 30 units.
scale_images=()
for i in 0 1 2 3 4; do scale_images+=("$reg/bench/scale$i:latest"); done
cat >"$work/publish-scale" <<SH
#!/bin/sh
set -e
for image in ${scale_images[*]}; do
  date +%s%N >"$work/rootfs/version"
  tar -C "$work/rootfs" -cf "$work/scale.tar" .
  $publisher import -q "$work/scale.tar" "\$image" >/dev/null
  $publisher push --tls-verify=false "\$image" 2>/dev/null
done
SH
chmod +x "$work/publish-scale"
in_sandbox "$work/publish-scale"
podman_scale=(podman --storage-driver vfs --root "$work/podman-scale" --runroot "$work/podman-scale-run")
rpod_scale=("$rpod" --root "$work/rpod-scale" --runroot "$work/rpod-scale-run")
scale_units=()
for tool in podman rpod; do
  if [[ $tool == podman ]]; then argv=("${podman_scale[@]}"); else argv=("${rpod_scale[@]}"); fi
  for i in 0 1 2 3 4; do
    in_sandbox "${argv[@]}" pull -q --tls-verify=false "${scale_images[$i]}" >/dev/null 2>&1
    for j in 0 1 2 3 4 5; do
      install_unit "s$tool$i$j" "${scale_images[$i]}" "${argv[@]}"
      scale_units+=("container-s$tool$i$j.service")
    done
  done
done
in_sandbox systemctl daemon-reload
in_sandbox systemctl start "${scale_units[@]}"
podman_scale_update=("${podman_scale[@]}" auto-update)
rpod_scale_update=("${rpod_scale[@]}" auto-update --tls-verify=false)
json=$work/hyperfine-scale.json
in_sandbox hyperfine -N -w 0 -r 3 --prepare "$work/publish-scale" --export-json "$json" \
  -n podman "${podman_scale_update[*]}" -n rpod "${rpod_scale_update[*]}" >/dev/null
scale_rss() { in_sandbox "$work/publish-scale" && rss "$@"; }
row scale "$json" "$(scale_rss "${podman_scale_update[@]}")" "$(scale_rss "${rpod_scale_update[@]}")"
in_sandbox "$work/publish-scale"
for tool in podman rpod; do
  if [[ $tool == podman ]]; then argv=("${podman_scale_update[@]}"); else argv=("${rpod_scale_update[@]}"); fi
  updated=$(in_sandbox "${argv[@]}" --format '{{.Updated}}' 2>/dev/null | grep -cx true || true)
  [[ $updated == 30 ]] || { echo "bench: $tool updated $updated of 30 scale units" >&2; exit 1; }
done
