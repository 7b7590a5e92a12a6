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

need=()
command -v nginx >/dev/null 2>&1 || need+=(nginx-light)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
if ((${#need[@]})); then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need[@]}"
fi

dotnet build -c Release src/Sluice.Cli -v quiet -nologo >/dev/null
exec python3 bench/tls.py --sluice "$PWD/src/Sluice.Cli/bin/Release/net10.0/sluice" "$@"
