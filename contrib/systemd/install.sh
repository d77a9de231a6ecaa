#!/usr/bin/env bash
# Installs rpod-auto-update.service and rpod-auto-update.timer: puts the installed rpod's path
# where the shipped units say @@RPOD@@ and copies both into the systemd unit directory.
#
#   contrib/systemd/install.sh [--rpod PATH] [--unit-dir DIR] [--no-reload]
#
# --rpod      the rpod binary the service runs (default: `command -v rpod`)
# --unit-dir  where the units go (default: /etc/systemd/system)
# --no-reload do not run `systemctl daemon-reload` afterwards (it only runs when systemd is PID 1)
#
# Then: systemctl enable --now rpod-auto-update.timer
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
rpod=""
unit_dir="/etc/systemd/system"
reload=1

die() { echo "Error: $*" >&2; exit 125; }

while [ $# -gt 0 ]; do
    case "$1" in
        --rpod) [ $# -ge 2 ] || die "--rpod needs a path"; rpod="$2"; shift 2 ;;
        --rpod=*) rpod="${1#--rpod=}"; shift ;;
        --unit-dir) [ $# -ge 2 ] || die "--unit-dir needs a directory"; unit_dir="$2"; shift 2 ;;
        --unit-dir=*) unit_dir="${1#--unit-dir=}"; shift ;;
        --no-reload) reload=0; shift ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1" ;;
    esac
done

if [ -z "$rpod" ]; then
    rpod="$(command -v rpod)" || die "rpod is not in PATH; give its path with --rpod"
fi
case "$rpod" in
    /*) ;;
    *) die "the rpod path must be absolute: $rpod" ;;
esac
# The path goes into ExecStart= unquoted: keep to characters systemd takes literally.
if [[ ! "$rpod" =~ ^[A-Za-z0-9/._+-]+$ ]]; then
    die "the rpod path may only contain letters, digits and / . _ + -: $rpod"
fi
[ -x "$rpod" ] || die "not an executable file: $rpod"

mkdir -p "$unit_dir"
for unit in rpod-auto-update.service rpod-auto-update.timer; do
    content="$(cat "$here/system/$unit")"
    printf '%s\n' "${content//@@RPOD@@/$rpod}" > "$unit_dir/$unit.tmp"
    mv "$unit_dir/$unit.tmp" "$unit_dir/$unit"
    echo "$unit_dir/$unit"
done

if [ "$reload" = 1 ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
fi
