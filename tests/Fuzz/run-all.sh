#!/usr/bin/env bash
# Runs every fuzz target for SECONDS_EACH on its seed corpus (for CI: about 15 s each), one line
# per target, then "N passed, N failed". Installs what it needs: afl++ from Debian when
# afl-fuzz is missing, SharpFuzz's instrumenter through `dotnet tool restore`.
#   tests/Fuzz/run-all.sh SECONDS_EACH
# Exit status: 0 when every target passed, 1 otherwise.
set -uo pipefail

[[ $# -eq 1 && $1 =~ ^[0-9]+$ && $1 -gt 0 ]] || { echo "usage: $0 SECONDS_EACH" >&2; exit 2; }
seconds=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
targets=(queue blk pci boot)

if ! command -v afl-fuzz >/dev/null; then
    if [[ $(id -u) -ne 0 ]]; then echo "afl-fuzz is missing; run as root or install afl++" >&2; exit 2; fi
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++) >/dev/null 2>&1 \
        || { echo "installing afl++ failed" >&2; exit 2; }
fi

passed=0
failed=0
build=0
for target in "${targets[@]}"; do
    # The first target builds; the others reuse that build.
    log=$(FUZZ_NO_BUILD=$build "$here/run.sh" "$target" "$seconds" 2>&1)
    rc=$?
    build=1
    summary=$(grep -E "^$target: " <<<"$log" | head -n 1)
    if (( rc == 0 )); then
        passed=$((passed + 1))
        echo "PASS $summary"
    else
        failed=$((failed + 1))
        echo "FAIL ${summary:-$target: exit $rc}"
        sed 's/^/    /' <<<"$log" | tail -n 20
    fi
done
echo "$passed passed, $failed failed"
(( failed == 0 ))
