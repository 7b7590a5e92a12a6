#!/usr/bin/env bash
# `sluice get` beside aria2c -x8 and curl, each downloading one 1 GiB file from nginx and from Sluice,
# interleaved in one run, on this machine.
#
#   bench/get.sh [--rounds N] [--quick] [--out FILE]
#
# Figures: MB/s (wall clock of the client process) and whole-machine busy CPU per GiB (/proc/stat,
# without steal). Downloads land on tmpfs (/dev/shm) so the figures are the clients' and servers'
# overhead, not the guest disk's write-back. Loopback has no latency to hide: parallel connections
# cannot win here what they win over a long path; this measures their cost. Installs nginx, aria2
# and curl with apt-get when missing, builds Sluice (Release). Every process it starts is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/setup.sh
bench_install nginx:nginx-light aria2c:aria2 curl:curl
bench_build
exec python3 bench/get.py --sluice "$SLUICE" "$@"
