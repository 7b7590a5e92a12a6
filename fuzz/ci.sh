#!/usr/bin/env bash
# The short fuzz run of .ci/run: each target under afl-fuzz for FUZZ_SECONDS (default 35 s, so about
# 2.5 minutes for all four), failing on any crash, oracle mismatch or hang, and when a target
# runs fewer than FUZZ_MIN_EXECS executions (a broken fork server or instrumentation shows up as a
# trickle of executions, not as an error).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v afl-fuzz >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq afl++ >/dev/null
fi

seconds=${FUZZ_SECONDS:-35}
# Measured on this machine (2 cores shared with other jobs, load average ~35), 35 s per target:
# http 88,840, range 143,352, path 162,622 executions; chunked 162,430 (2026-12-01, five other builds
# running alongside). The floor is about a quarter of the slowest.
min_execs=${FUZZ_MIN_EXECS:-20000}

start=$SECONDS
fuzz/build.sh
failed=0
for target in http range path chunked; do
    FUZZ_PREBUILT=1 fuzz/run.sh "$target" "$seconds" "$min_execs" || failed=1
done

echo "fuzz: all targets in $((SECONDS - start)) s (floor $min_execs executions per target)"
exit $failed
