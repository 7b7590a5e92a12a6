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

. bench/setup.sh
bench_install nginx:nginx-light wrk:wrk curl:curl lighttpd:lighttpd fio:fio
bench_build
exec python3 bench/compare.py --sluice "$SLUICE" "$@"
