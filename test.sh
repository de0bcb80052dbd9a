#!/usr/bin/env bash
# Runs every test: xunit (tests/Unit) and Pester (tests/Pester), then prints one closing line
# "N passed, N failed" summed over both, plus one for the code style (dotnet format --verify-no-changes)
# and one per fuzz target (a short run each; PSVMM_FUZZ_SECONDS, default 12). PSVMM_TEST_TAGS_EXCLUDE (default: none) skips Pester tests with that tag (e.g. StockKernel).
set -uo pipefail
cd "$(dirname "$0")"
root=$PWD
./build.sh || { echo "0 passed, 1 failed"; exit 1; }
# The Linux test kit (Debian's cloud kernel, modules, initramfs): cached outside the checkout.
tests/linux-kit/build-kit.sh >/dev/null || { echo "0 passed, 1 failed"; exit 1; }

results=$root/out/test-results
rm -rf "$results"
mkdir -p "$results"

# The code style of .editorconfig, checked as one test.
if dotnet format PSVmm.sln --verify-no-changes -v q > "$results/format.txt" 2>&1; then
  format_passed=1; format_failed=0
else
  format_passed=0; format_failed=1
  echo "dotnet format found code that does not follow .editorconfig (run: dotnet format PSVmm.sln):"
  head -20 "$results/format.txt"
fi

# Every fuzz target for a short budget on its seed corpus (tests/Fuzz; longer runs: tests/Fuzz/run.sh TARGET SECONDS).
tests/Fuzz/run-all.sh "${PSVMM_FUZZ_SECONDS:-12}" | tee "$results/fuzz.txt"
read -r fuzz_passed fuzz_failed < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$results/fuzz.txt" | tail -1)
fuzz_passed=${fuzz_passed:-0}; fuzz_failed=${fuzz_failed:-1}

dotnet test tests/Unit/PSVmm.Tests.csproj -c "${CONFIGURATION:-Release}" --no-build -nologo \
  --logger "trx;LogFileName=unit.trx" --logger "console;verbosity=minimal" --results-directory "$results"
unit_rc=$?

exclude=()
[ -n "${PSVMM_TEST_TAGS_EXCLUDE:-}" ] && exclude=(-ExcludeTag "$PSVMM_TEST_TAGS_EXCLUDE")
dotnet tool run pwsh -- -NoLogo -NoProfile -File tests/Pester/Invoke-PesterSuite.ps1 -ResultFile "$results/pester.txt" "${exclude[@]}"
pester_rc=$?

count() { grep -o "$1=\"[0-9]*\"" "$results/unit.trx" 2>/dev/null | head -1 | grep -o '[0-9]*' || echo 0; }
unit_passed=$(count passed); unit_failed=$(count failed)
if [ ! -f "$results/unit.trx" ] && [ $unit_rc -ne 0 ]; then unit_failed=1; fi
read -r pester_passed pester_failed < "$results/pester.txt" 2>/dev/null || { pester_passed=0; pester_failed=1; }

# Name the failed xunit tests again here: a CI log that keeps only its tail still shows them.
grep -o '<UnitTestResult [^>]*outcome="Failed"' "$results/unit.trx" 2>/dev/null |
  grep -o 'testName="[^"]*"' | sed 's/^testName="\(.*\)"$/xunit failed: \1/'
echo "format: $format_passed passed, $format_failed failed; fuzz: $fuzz_passed passed, $fuzz_failed failed; xunit: $unit_passed passed, $unit_failed failed; Pester: $pester_passed passed, $pester_failed failed"
passed=$((format_passed + fuzz_passed + unit_passed + pester_passed)); failed=$((format_failed + fuzz_failed + unit_failed + pester_failed))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ $unit_rc -eq 0 ] && [ $pester_rc -eq 0 ]
