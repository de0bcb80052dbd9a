#!/usr/bin/env bash
# Builds the fuzz targets, instruments PSVmm.Engine.dll with SharpFuzz and runs AFL++ on one
# target's seed corpus for SECONDS. Prints executions per second and coverage; exits 1 when
# the fuzzer saved a crash or a hang (the inputs are listed, with the command to replay them),
# 2 on a setup error. Work files go to tests/Fuzz/out/TARGET (ignored by git).
#   tests/Fuzz/run.sh TARGET SECONDS        TARGET: queue | blk | pci | boot
# Environment: FUZZ_TIMEOUT_MS (AFL's per-input limit, default 2000; longer is a hang),
# FUZZ_RESUME=1 keeps the previous findings and continues from them, FUZZ_NO_BUILD=1 reuses the
# previous build.
set -euo pipefail

usage() { echo "usage: $0 TARGET SECONDS   (TARGET: queue | blk | pci | boot)" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
target=$1
seconds=$2
[[ $target =~ ^(queue|blk|pci|boot)$ ]] || usage
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || usage

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out="$here/out"
work="$out/$target"
timeout_ms=${FUZZ_TIMEOUT_MS:-2000}

if ! command -v afl-fuzz >/dev/null; then
    echo "afl-fuzz not found: installing the Debian package afl++" >&2
    if [[ $(id -u) -ne 0 ]]; then echo "run as root or install afl++ first" >&2; exit 2; fi
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++) >&2
fi

mkdir -p "$out"
cd "$repo"
dotnet tool restore >/dev/null

# Build once into out/build, then give every run its own copy with an instrumented engine
# (SharpFuzz rewrites the assembly in place and refuses one it already instrumented).
if [[ ${FUZZ_NO_BUILD:-0} != 1 || ! -f "$out/build/PSVmm.Fuzz.dll" ]]; then
    dotnet build "$here/PSVmm.Fuzz.csproj" -c Release -nologo -v q -o "$out/build" >"$out/build.log" 2>&1 \
        || { cat "$out/build.log" >&2; echo "build failed" >&2; exit 2; }
fi
rm -rf "$work/bin"
mkdir -p "$work"
cp -r "$out/build" "$work/bin"
dotnet sharpfuzz "$work/bin/PSVmm.Engine.dll" >"$work/instrument.log" 2>&1 \
    || { cat "$work/instrument.log" >&2; echo "instrumentation failed" >&2; exit 2; }

findings="$work/findings"
input=(-i "$here/corpus/$target")
if [[ ${FUZZ_RESUME:-0} == 1 && -d "$findings/default" ]]; then
    input=(-i -)
else
    rm -rf "$findings"
fi

# AFL++ on a shared machine without core dumps configured: no CPU binding, no governor or
# core_pattern checks; SharpFuzz's runner is a .NET program, not an instrumented ELF.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_NO_UI=1 AFL_SKIP_CRASHES=1 AFL_IGNORE_SEED_PROBLEMS=1 AFL_TMPDIR="$work"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_TieredPGO=0
echo "fuzzing $target for ${seconds}s (timeout ${timeout_ms} ms per input), log: $work/afl.log"
set +e
afl-fuzz "${input[@]}" -o "$findings" -t "$timeout_ms" -m none -V "$seconds" \
    -- "$(command -v dotnet)" "$work/bin/PSVmm.Fuzz.dll" fuzz "$target" >"$work/afl.log" 2>&1
rc=$?
set -e

stats="$findings/default/fuzzer_stats"
if [[ ! -f $stats ]]; then
    tail -n 30 "$work/afl.log" >&2
    echo "$target: afl-fuzz did not start (exit $rc)" >&2
    exit 2
fi

stat() { sed -n "s/^$1 *: *//p" "$stats"; }
crashes=$(find "$findings/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
hangs=$(find "$findings/default/hangs" -type f -name 'id:*' 2>/dev/null | wc -l)
run_time=$(( $(stat last_update) - $(stat start_time) ))
execs=$(stat execs_done)
avg=$(( run_time > 0 ? execs / run_time : execs ))
echo "$target: ${run_time}s, $execs execs, $avg execs/s (last $(stat execs_per_sec)/s), corpus $(stat corpus_count) paths, edges $(stat edges_found)/$(stat total_edges) (bitmap $(stat bitmap_cvg)), stability $(stat stability), crashes $crashes, hangs $hangs"
if (( crashes + hangs > 0 )); then
    echo "$target: findings in $findings/default/{crashes,hangs}; replay with:"
    echo "  dotnet $out/build/PSVmm.Fuzz.dll run $target $findings/default/crashes/id:* $findings/default/hangs/id:*"
    exit 1
fi
if (( rc != 0 )); then
    tail -n 30 "$work/afl.log" >&2
    echo "$target: afl-fuzz exited with $rc" >&2
    exit 2
fi
exit 0
