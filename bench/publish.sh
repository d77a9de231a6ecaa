#!/usr/bin/env bash
# rpod next to Podman 4.3.1 for a container with a published port, the netavark calls included:
#   run -d -p   `run -d --network bridge -p 127.0.0.1:18080:80 IMAGE sleep 1000`: a namespace,
#               netavark setup (bridge, veth, firewall rules, port forward), the container
#   rm -f       `rm -f -t 0` of that container: stop, netavark teardown, the namespace removed
# Both run in a network namespace of the script's own (it re-executes itself under
# `unshare --net`): no bridge or rule ever reaches the machine's. Prints hyperfine's means and the
# ratio podman/rpod. Needs root, hyperfine, podman, netavark (test/install-deps.sh).
#
#   bench/publish.sh            RPOD_BIN=path/to/rpod RUNS=20 bench/publish.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z ${RPOD_BENCH_NETNS:-} ]]; then
  source bench/lib.sh
  RPOD_BIN=$(rpod_build)
  export RPOD_BIN
  exec env RPOD_BENCH_NETNS=1 unshare --net -- "$0" "$@"
fi
ip link set lo up
runs=${RUNS:-20}
work=$(mktemp -d /var/tmp/rpod-bench.XXXXXX)
cleanup() {
  "${rpod[@]}" rm -f -t 0 b >/dev/null 2>&1
  "${podman[@]}" rm -f -t 0 b >/dev/null 2>&1
  "${podman[@]}" system reset -f >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
source bench/lib.sh
rpod_bin=$(rpod_install "$RPOD_BIN" "$work")

# One containers.conf for both: runc, the cgroupfs manager, ulimits under this host's hard
# limits, network definitions in the work directory.
cat >"$work/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
events_logger = "file"
cgroup_manager = "cgroupfs"
[network]
network_config_dir = "$work/networks"
CONF
export CONTAINERS_CONF=$work/containers.conf
rpod=("$rpod_bin" --root "$work/rpod-root" --runroot "$work/rpod-run")
podman=(podman --storage-driver vfs --root "$work/podman-root" --runroot "$work/podman-run")

mkdir -p "$work/rootfs/bin"
cp /bin/busybox "$work/rootfs/bin/"
ln -s busybox "$work/rootfs/bin/sleep"
tar -C "$work/rootfs" -cf "$work/small.tar" .
image=localhost/bench/busybox:latest
"${rpod[@]}" import -q "$work/small.tar" "$image" >/dev/null
"${podman[@]}" import -q "$work/small.tar" "$image" >/dev/null

run_args=(run -d --network bridge -p 127.0.0.1:18080:80 --name b "$image" sleep 1000)
compare() { # NAME PREPARE_ARGS... -- MEASURED_ARGS...
  local name=$1 prepare=() measured=()
  shift
  while [[ $1 != -- ]]; do prepare+=("$1"); shift; done
  shift
  measured=("$@")
  local r="${rpod[*]}" p="${podman[*]}"
  hyperfine --style basic --warmup 2 --runs "$runs" --export-json "$work/$name.json" \
    --prepare "$r ${prepare[*]} >/dev/null 2>&1 || true" -n "rpod $name" "$r ${measured[*]} >/dev/null" \
    --prepare "$p ${prepare[*]} >/dev/null 2>&1 || true" -n "podman $name" "$p ${measured[*]} >/dev/null" >/dev/null
  python3 - "$work/$name.json" "$name" <<'PY'
import json, sys
results = {r["command"].split()[0]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
print(f"{sys.argv[2]:12} rpod {results['rpod'] * 1000:7.1f} ms   podman {results['podman'] * 1000:7.1f} ms   podman/rpod {results['podman'] / results['rpod']:.2f}")
PY
}
# hyperfine runs --prepare before every run (warm-ups included); its shell's start is subtracted.
compare "run -d -p" rm -a -f -t 0 -- "${run_args[@]}"
compare "rm -f" run --replace "${run_args[@]:1}" -- rm -f -t 0 b
