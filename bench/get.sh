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
# and curl with apt-get when missing, publishes Sluice as Native AOT. Every process it starts is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/setup.sh
bench_install nginx:nginx-light aria2c:aria2 curl:curl clang:clang
# aria2c and curl are native programs that start in milliseconds; sluice get runs as the Native AOT
# binary people install (the JIT build spends ~0.3 s starting, a third of a 1 GiB download here).
# The server is the same binary.
aot="$PWD/artifacts/bench-aot"
dotnet publish -c Release -r linux-x64 -p:PublishAot=true src/Sluice.Cli -o "$aot" -v quiet -nologo >/dev/null
exec python3 bench/get.py --sluice "$aot/sluice" "$@"
