#!/usr/bin/env bash
# rpod next to Podman 4.3.1 for the everyday commands around auto-update, in one run each:
#   create      `create IMAGE true` into a store that already holds the image
#   run         `run --rm --network none IMAGE true`: create, start with the seccomp profile
#               translated into the spec, wait, remove
#   generate    `generate systemd --new --name c` of one container
#   pull        `pull` of a ~50 MiB single-layer image from a loopback registry (image removed between runs)
# Prints hyperfine's means and the ratio podman/rpod. Needs root, hyperfine, podman,
# docker-registry and busybox-static (test/install-deps.sh installs them).
#
#   bench/create-generate.sh            RPOD_BIN=path/to/rpod bench/create-generate.sh
#
# Both read one containers.conf through CONTAINERS_CONF: the machine's (Debian's default
# capabilities and sysctls, the process profile every container gets) with runc, the cgroupfs
# manager and ulimits under this host's hard limits added. Podman gets its own storage (vfs) in a
# temporary directory; nothing under /etc is touched.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
rpod_src=$(rpod_build)
runs=${RUNS:-20}

work=$(mktemp -d /var/tmp/rpod-bench.XXXXXX)
registry_pid=
cleanup() {
  [[ -n $registry_pid ]] && kill "$registry_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
rpod_bin=$(rpod_install "$rpod_src" "$work")

machine_conf=/usr/share/containers/containers.conf
[[ -f $machine_conf ]] || machine_conf=/dev/null
{
  sed -e '/^\[containers\]$/a default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]' \
    -e '/^\[engine\]$/a runtime = "runc"\nevents_logger = "file"\ncgroup_manager = "cgroupfs"' "$machine_conf"
  grep -q '^\[containers\]$' "$machine_conf" || printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n'
  grep -q '^\[engine\]$' "$machine_conf" || printf '[engine]\nruntime = "runc"\nevents_logger = "file"\ncgroup_manager = "cgroupfs"\n'
} >"$work/containers.conf"
export CONTAINERS_CONF=$work/containers.conf
rpod=("$rpod_bin" --root "$work/rpod-root" --runroot "$work/rpod-run")
podman=(podman --storage-driver vfs --root "$work/podman-root" --runroot "$work/podman-run")

# A busybox image, and a 50 MiB one published to a loopback registry.
mkdir -p "$work/rootfs/bin"
cp /bin/busybox "$work/rootfs/bin/"
ln -s busybox "$work/rootfs/bin/true"
tar -C "$work/rootfs" -cf "$work/small.tar" .
head -c $((50 << 20)) /dev/urandom >"$work/rootfs/noise"
tar -C "$work/rootfs" -cf "$work/big.tar" .
image=localhost/bench/busybox:latest
"${rpod[@]}" import -q "$work/small.tar" "$image" >/dev/null
"${podman[@]}" import -q "$work/small.tar" "$image" >/dev/null

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/registry"
printf 'version: 0.1\nstorage: { filesystem: { rootdirectory: %s } }\nhttp: { addr: 127.0.0.1:%s }\nlog: { level: error }\n' "$work/registry" "$port" >"$work/registry.yml"
docker-registry serve "$work/registry.yml" >/dev/null 2>&1 &
registry_pid=$!
until curl -fs "http://127.0.0.1:$port/v2/" >/dev/null; do sleep 0.1; done
big=127.0.0.1:$port/bench/big:latest
"${rpod[@]}" import -q "$work/big.tar" localhost/bench/big:latest >/dev/null
"${rpod[@]}" push --tls-verify=false localhost/bench/big:latest "$big" 2>/dev/null

"${rpod[@]}" create --name c "$image" true >/dev/null
"${podman[@]}" create --name c "$image" true >/dev/null

compare() { # NAME RPOD_CMD PODMAN_CMD [hyperfine options...]
  local name=$1 rpod_cmd=$2 podman_cmd=$3
  shift 3
  hyperfine --shell=none --style basic --warmup 2 --runs "$runs" --export-json "$work/$name.json" "$@" \
    -n rpod "$rpod_cmd" -n podman "$podman_cmd" >/dev/null
  python3 - "$work/$name.json" "$name" <<'PY'
import json, sys
results = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
print(f"{sys.argv[2]:<10} rpod {results['rpod']*1000:8.1f} ms   podman {results['podman']*1000:8.1f} ms   podman/rpod {results['podman']/results['rpod']:6.1f}x")
PY
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(podman --version); rpod $("$rpod_bin" --version | cut -d' ' -f2) ($rpod_bin)"
compare create "${rpod[*]} create $image true" "${podman[*]} create $image true"
compare run "${rpod[*]} run --rm --network none $image true" "${podman[*]} run --rm --network none $image true"
compare generate "${rpod[*]} generate systemd --new --name c" "${podman[*]} generate systemd --new --name c"
RUNS=${PULL_RUNS:-5} runs=${PULL_RUNS:-5} compare pull \
  "${rpod[*]} pull -q --tls-verify=false $big" "${podman[*]} pull -q --tls-verify=false $big" \
  --prepare "sh -c '${rpod[*]} rmi -a -f >/dev/null 2>&1; ${podman[*]} rmi -a -f >/dev/null 2>&1; true'"
