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

. bench/setup.sh
bench_install nginx:nginx-light lighttpd:lighttpd wrk:wrk python3-module=matplotlib:python3-matplotlib
bench_build
exec python3 bench/pressure.py --sluice "$SLUICE" "$@"
