#!/usr/bin/env bash
# System calls of the server during one warm download, per strategy (issue 2's acceptance check).
#
#   bench/strace-io.sh [SIZE_MIB=64]
#
# Starts `sluice serve` on a scratch directory for each strategy, warms it with one download,
# then runs `strace -f -c` on the server around a second download and prints the I/O calls.
# Needs strace (apt-get install -y strace). Stops every process it starts, by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-64}
command -v strace >/dev/null || { echo "strace is not installed" >&2; exit 1; }
dotnet build -c Release src/Sluice.Cli -v quiet -nologo >/dev/null
S=src/Sluice.Cli/bin/Release/net10.0/sluice
dir=$(mktemp -d /var/tmp/sluice-strace.XXXXXX)
trap 'rm -rf "$dir"' EXIT
head -c $((size_mib * 1024 * 1024)) /dev/urandom > "$dir/file.bin"
port=18110
for st in sendfile buffered; do
  "$S" serve "$dir" --port $port --quiet --strategy $st > /dev/null 2>&1 & pid=$!
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
  curl -s -o /dev/null "http://127.0.0.1:$port/file.bin"          # warm-up: JIT and page cache
  strace -f -c -o "$dir/strace-$st.txt" -p $pid 2>/dev/null & sp=$!
  sleep 1
  curl -s -o /dev/null -w "$st: %{size_download} bytes (under strace)\n" "http://127.0.0.1:$port/file.bin"
  sleep 0.5; kill -INT $sp; wait $sp || true
  grep -E " (sendfile|sendto|pread64|read|write|writev|recvfrom|splice|preadv2)$|total$" "$dir/strace-$st.txt"
  kill -TERM $pid; wait $pid || true
done
