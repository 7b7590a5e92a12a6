#!/usr/bin/env bash
# Sluice side by side with nginx and lighttpd, in one run, on this machine.
#
#   bench/compare.sh [--rounds N] [--workloads w1,w2,w3,w4,w5[,pressure]] [--sample-seconds S]
#                    [--wrk-seconds S] [--quick] [--no-device] [--no-calibrate] [--data DIR] [--out FILE]
#
# Installs nginx, lighttpd, fio and wrk with apt-get when they are missing, builds Sluice (Release),
# measures the disk (fio reference), calibrates nginx's output_buffers, then runs each workload
# with only its servers started, interleaved: each round visits every server in turn, in a rotated
# order, so a noisy phase of this shared machine hits all of them alike and ratios are taken within
# a round. Writes a dated markdown report (machine, device reference, medians with min–max, ratios
# with their per-round range) to bench/results/compare-YYYY-MM-DD.md (and .json) unless --out says
# otherwise. Every process it starts is stopped by PID when it ends. See bench/README.md.
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
