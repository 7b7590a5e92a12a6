#!/usr/bin/env bash
# Sluice over TLS beside nginx over TLS (same certificate, same cipher), in one run, on this machine.
#
#   bench/tls.sh [--rounds N] [--quick] [--out FILE]
#
# 1 GiB warm and cold: MB/s and whole-machine CPU per GiB; 4 KiB: wrk -t2 -c64 requests/s.
# Installs nginx and wrk with apt-get when missing, builds Sluice (Release). Every process it starts
# is stopped by PID. See bench/tls.py and bench/README.md ("TLS").
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/setup.sh
bench_install nginx:nginx-light wrk:wrk curl:curl openssl:openssl
bench_build
exec python3 bench/tls.py --sluice "$SLUICE" "$@"
