#!/usr/bin/env bash
# Coverage-guided fuzzing of one Sluice.Core target with AFL++ and SharpFuzz.
#
#   fuzz/run.sh TARGET SECONDS [MIN_EXECS]      TARGET: http | range | path | chunked
#
# Builds and instruments (fuzz/build.sh; FUZZ_PREBUILT=1 skips it), runs afl-fuzz on the seed corpus
# fuzz/corpus/TARGET for SECONDS, and prints executions and coverage from AFL's fuzzer_stats. Exits
# non-zero on any crash (an exception, or a disagreement with the target's oracle), any hang, an AFL
# abort, or fewer than MIN_EXECS executions (default 0). Binaries, findings and the AFL log go to
# $FUZZ_WORK (default artifacts/fuzz): findings in $FUZZ_WORK/findings/TARGET/default.
#
# Replaying a crash outside AFL, on the ordinary (uninstrumented) build:
#   dotnet run -c Release --project fuzz/Sluice.Fuzz -- TARGET FILE|DIR...
# e.g. DIR = artifacts/fuzz/findings/TARGET/default/crashes. It prints the oracle's and the code's
# answers for each input; a real bug becomes a unit test in tests/Sluice.Core.Tests with that input.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -lt 2 ]]; then
    sed -n '2,17p' "$0" >&2
    exit 2
fi

target=$1
seconds=$2
min_execs=${3:-0}
corpus=fuzz/corpus/$target
if [[ ! -d $corpus ]]; then
    echo "fuzz: unknown target '$target' (no $corpus)" >&2
    exit 2
fi

if [[ ${FUZZ_PREBUILT:-0} != 1 ]]; then
    fuzz/build.sh
fi

work=${FUZZ_WORK:-artifacts/fuzz}
findings=$work/findings/$target
log=$work/$target.log
rm -rf "$findings"
mkdir -p "$findings"

# AFL_SKIP_BIN_CHECK: the binary is `dotnet`; the instrumentation is in Sluice.Core.dll.
# AFL_NO_AFFINITY: the machine is shared; do not pin a core that another job may be using.
# AFL_SKIP_CPUFREQ / AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES: AFL refuses to start on a CPU-frequency
# governor or a piped core_pattern it does not like; neither matters for managed code.
# AFL_FORKSRV_INIT_TMOUT: the .NET runtime can take seconds to start when the machine is busy.
status=0
AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
AFL_FORKSRV_INIT_TMOUT=60000 AFL_NO_UI=1 AFL_FAST_CAL=1 \
    afl-fuzz -i "$corpus" -o "$findings" -x "fuzz/dictionaries/$target.dict" -m none -t 2000 -V "$seconds" \
    -- dotnet "$work/bin/Sluice.Fuzz.dll" "$target" >"$log" 2>&1 || status=$?

stats=$findings/default/fuzzer_stats
if [[ $status -ne 0 || ! -f $stats ]]; then
    echo "fuzz: afl-fuzz failed for '$target' (exit $status); the end of $log:" >&2
    tail -n 30 "$log" >&2
    exit 1
fi

stat() { awk -F' *: *' -v key="$1" '$1 == key { print $2 }' "$stats"; }
execs=$(stat execs_done)
crashes=$(stat saved_crashes)
hangs=$(stat saved_hangs)
echo "fuzz: $target: ${execs} execs in $(stat run_time) s ($(stat execs_per_sec)/s), edges $(stat edges_found), bitmap $(stat bitmap_cvg), corpus $(stat corpus_count) (+$(stat corpus_found) found), stability $(stat stability), crashes $crashes, hangs $hangs"

failed=0
if [[ $crashes -ne 0 || $hangs -ne 0 ]]; then
    echo "fuzz: $target: $crashes crash(es), $hangs hang(s) in $findings/default; replaying the crashes:" >&2
    dotnet run -c Release --project fuzz/Sluice.Fuzz -- "$target" "$findings/default/crashes" >&2 || true
    failed=1
fi

if [[ $execs -lt $min_execs ]]; then
    echo "fuzz: $target: only $execs executions, below the floor of $min_execs" >&2
    failed=1
fi

exit $failed
