#!/usr/bin/env bash
# Sluice side by side with nginx, in one run, on this machine.
#
#   bench/compare.sh [--rounds N] [--quick] [--out FILE]
#
# Installs nginx and wrk with apt-get when they are missing, builds Sluice (Release), starts every
# server bound to 127.0.0.1 (Sluice auto/sendfile/buffered/direct and nginx in three
# configurations), and runs the workloads interleaved: each round visits every server in turn, so
# a noisy phase of this shared machine hits all of them alike and ratios are taken within a round.
# Writes a dated markdown report (machine description, per-round medians, Sluice/nginx ratios) to
# bench/results/compare-YYYY-MM-DD.md unless --out says otherwise. Every process it starts is
# stopped by PID when it ends.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v nginx >/dev/null 2>&1 || need+=(nginx-light)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v lighttpd >/dev/null 2>&1 || need+=(lighttpd)
command -v fio >/dev/null 2>&1 || need+=(fio)
if ((${#need[@]})); then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need[@]}"
fi

dotnet build -c Release src/Sluice.Cli -v quiet -nologo >/dev/null
exec python3 bench/compare.py --sluice "$PWD/src/Sluice.Cli/bin/Release/net10.0/sluice" "$@"
