#!/usr/bin/env bash
# HAProxy + three Sluice nodes on loopback, round-robin against URI-consistent hashing, each node
# with its own `cp -a` copy of the tree and its own small page cache (memory cgroup). Prints hot
# requests/s, p99, and each node's share of the requests and of the hot set's residency
# (deploy/cluster_demo.py says how). Needs root (cgroup-v1 memory); bounded to 3 minutes.
#
#   deploy/cluster-demo.sh [--hot-count 9216] [--hot-size 16384] [--cache 64] [--seconds 15] [--out bench/results/cluster-DATE]
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/setup.sh
bench_install haproxy:haproxy wrk:wrk
bench_build

# The Python driver stops the nodes and HAProxy by their PIDs in its finally block (on SIGTERM
# too); this trap forwards an interrupt to it, and `timeout` bounds the whole run.
timeout --signal=TERM --kill-after=20 175 python3 deploy/cluster_demo.py --sluice "$SLUICE" "$@" &
driver=$!
trap 'kill -TERM "$driver" 2>/dev/null; wait "$driver"' INT TERM
wait "$driver"
