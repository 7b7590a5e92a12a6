#!/usr/bin/env bash
# Publishes fuzz/Sluice.Fuzz to $FUZZ_WORK/bin (default artifacts/fuzz/bin) and instruments the
# Sluice.Core.dll there with SharpFuzz (the local tool in .config/dotnet-tools.json). Only that copy
# is instrumented: the ordinary build, which the tests and the crash replay use, stays as it is.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${FUZZ_WORK:-artifacts/fuzz}/bin
# Instrumenting is in place and refuses an instrumented file, so always start from a fresh copy.
rm -rf "$out"
dotnet publish fuzz/Sluice.Fuzz -c Release -o "$out" --nologo -v quiet
dotnet tool restore >/dev/null
dotnet tool run sharpfuzz "$out/Sluice.Core.dll"
echo "fuzz: instrumented $out/Sluice.Core.dll"
