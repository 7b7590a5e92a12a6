#!/usr/bin/env bash
# `systemd-analyze verify` of deploy/sluice-node.service. verify also checks that ExecStart's
# program exists, so the unit is checked as a copy whose ExecStart names SLUICE (default: the
# built sluice, else /bin/true); everything else is the file as shipped.
#
#   deploy/verify-unit.sh [SLUICE]
set -euo pipefail
cd "$(dirname "$0")/.."
sluice=${1:-$PWD/src/Sluice.Cli/bin/Debug/net10.0/sluice}
[[ -x $sluice ]] || sluice=/bin/true
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s#^ExecStart=/usr/local/bin/sluice #ExecStart=$sluice #" deploy/sluice-node.service > "$dir/sluice-node.service"
grep -q "^ExecStart=$sluice " "$dir/sluice-node.service"
# No systemd runs on these machines; verify works offline. It exits 0 even when it ignores an
# unknown key or a bad value ("Unknown key …, ignoring"), so any line it prints is a failure.
out=$(systemd-analyze verify --man=no "$dir/sluice-node.service" 2>&1) || { echo "$out" >&2; exit 1; }
if [[ -n $out ]]; then
    echo "$out" >&2
    echo "sluice-node.service: systemd-analyze verify complained" >&2
    exit 1
fi
echo "sluice-node.service: systemd-analyze verify passed"
