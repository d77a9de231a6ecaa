#!/usr/bin/env bash
# Installs rpod's Quadlet generator: links rpod-system-generator (and rpod-user-generator, for
# users' own systemd instances) to rpod-quadlet, so that `systemctl daemon-reload` turns the
# .container, .volume and .network files of /etc/containers/systemd into rpod services.
#
#   contrib/systemd/install-generator.sh [--quadlet PATH] [--destdir DIR] [--force] [--no-reload]
#
# --quadlet   the rpod-quadlet binary (default: `command -v rpod-quadlet`, else the one beside
#             `command -v rpod`); its units run the rpod beside it, which must exist
# --destdir   install under this root (packaging; default: /)
# --force     install even though Podman's own Quadlet generator is installed
# --no-reload do not run `systemctl daemon-reload` afterwards (it only runs when systemd is PID 1)
set -euo pipefail

quadlet=""
destdir=""
force=0
reload=1

die() { echo "Error: $*" >&2; exit 125; }

while [ $# -gt 0 ]; do
    case "$1" in
        --quadlet) [ $# -ge 2 ] || die "--quadlet needs a path"; quadlet="$2"; shift 2 ;;
        --quadlet=*) quadlet="${1#--quadlet=}"; shift ;;
        --destdir) [ $# -ge 2 ] || die "--destdir needs a directory"; destdir="$2"; shift 2 ;;
        --destdir=*) destdir="${1#--destdir=}"; shift ;;
        --force) force=1; shift ;;
        --no-reload) reload=0; shift ;;
        -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1" ;;
    esac
done

if [ -z "$quadlet" ]; then
    if ! quadlet="$(command -v rpod-quadlet)"; then
        rpod="$(command -v rpod)" || die "neither rpod-quadlet nor rpod is in PATH; give the generator's path with --quadlet"
        quadlet="$(dirname "$rpod")/rpod-quadlet"
    fi
fi
case "$quadlet" in
    /*) ;;
    *) die "the rpod-quadlet path must be absolute: $quadlet" ;;
esac
[ -x "$quadlet" ] && [ -f "$quadlet" ] || die "not an executable file: $quadlet"
# The generator runs the rpod beside its real path (symlinks resolved) in every unit it writes.
real="$(readlink -f "$quadlet")"
[ -x "$(dirname "$real")/rpod" ] || die "no rpod beside $real: the units it generates would run $(dirname "$real")/rpod"

# Podman's generator reads the same directories and writes the same unit names: with both
# installed, which one's web.service systemd loads depends on the order generators run in.
for dir in usr/lib/systemd lib/systemd etc/systemd usr/local/lib/systemd; do
    for gen in system-generators/podman-system-generator user-generators/podman-user-generator; do
        podman_gen="${destdir%/}/$dir/$gen"
        if [ -e "$podman_gen" ] || [ -L "$podman_gen" ]; then
            [ "$force" = 1 ] && { echo "warning: Podman's Quadlet generator is installed ($podman_gen); installing anyway (--force)" >&2; continue; }
            die "Podman's Quadlet generator is installed ($podman_gen): it reads the same .container, .volume and .network files and writes the same unit names as rpod's, so only one of them can own /etc/containers/systemd; remove Podman's generator or pass --force"
        fi
    done
done

for kind in system user; do
    dir="${destdir%/}/usr/lib/systemd/$kind-generators"
    mkdir -p "$dir"
    ln -sfn "$real" "$dir/rpod-$kind-generator"
    echo "$dir/rpod-$kind-generator"
done

if [ "$reload" = 1 ] && [ -z "$destdir" ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
fi
