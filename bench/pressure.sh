#!/usr/bin/env bash
# The seed's own scenario under memory pressure: a hot set of small files requested at random
# while cold large files stream, each server alone in a memory cgroup (see bench/pressure.py).
#
#   bench/pressure.sh [--rounds 3] [--seconds 20] [--quick] [--data DIR] [--out FILE] [--servers a,b]
#
# Installs what is missing (nginx-light, lighttpd, wrk, python3-matplotlib for the chart) with
# apt-get, builds Sluice (Release) and runs the workload. Needs root (cgroup v1 memory and blkio).
# Writes bench/results/pressure-YYYY-MM-DD.md/.json/.png unless --out says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v nginx >/dev/null 2>&1 || need+=(nginx-light)
command -v lighttpd >/dev/null 2>&1 || need+=(lighttpd)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
/usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1 || need+=(python3-matplotlib)
if ((${#need[@]})); then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

dotnet build -c Release src/Sluice.Cli -v quiet -nologo >/dev/null
exec python3 bench/pressure.py --sluice "$PWD/src/Sluice.Cli/bin/Release/net10.0/sluice" "$@"
