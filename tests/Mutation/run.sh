#!/usr/bin/env bash
# Mutation run (Stryker.NET) over one area of the device model, measuring how well the xunit
# tests of that area catch changed code. Not part of CI: see README.md beside this file.
# Usage: tests/Mutation/run.sh queues|blk|msix|all [extra dotnet-stryker options]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

area=${1:?usage: tests/Mutation/run.sh queues|blk|msix|all [dotnet-stryker options]}
shift

# Each area: the files mutated (globs relative to src/PSVmm.Engine) and the tests run against them.
mutate_args() {
  case $1 in
    queues) echo "-m **/Virtio/Queues/**/*.cs" ;;
    blk)    echo "-m **/Devices/Block/Device/BlockRequest*.cs -m **/Devices/Block/Device/ChainBytes.cs" ;;
    msix)   echo "-m **/Pci/Msix/**/*.cs -m **/Virtio/Transport/VirtioPciTransport.Interrupts.cs" ;;
    *) echo "unknown area '$1' (queues, blk, msix, all)" >&2; exit 2 ;;
  esac
}

test_filter() {
  case $1 in
    queues) echo "FullyQualifiedName~PSVmm.Tests.Virtio.Queues" ;;
    blk)    echo "FullyQualifiedName~PSVmm.Tests.Devices.Block.Device.BlockRequest|FullyQualifiedName~PSVmm.Tests.Devices.Block.Device.VirtioBlockPci" ;;
    msix)   echo "FullyQualifiedName~PSVmm.Tests.Pci.Msix|FullyQualifiedName~PSVmm.Tests.Virtio.Transport.InterruptTests|FullyQualifiedName~PSVmm.Tests.Machine.MsixRouteTracker" ;;
  esac
}

run_area() {
  local name=$1 out="$root/out/mutation/$1" start=$SECONDS
  shift
  echo "== mutation area $name"
  # shellcheck disable=SC2046 # the globs are for Stryker, not the shell
  # Run from the test project's folder: at the root Stryker would take the solution instead.
  (set -f; cd tests/Unit && dotnet tool run dotnet-stryker -- -f ../Mutation/stryker-config.json \
      $(mutate_args "$name") --test-case-filter "$(test_filter "$name")" -O "$out" "$@")
  echo "== area $name took $((SECONDS - start)) s; report: $out/reports/mutation-report.html"
}

dotnet tool restore >/dev/null
if [ "$area" = all ]; then
  for a in queues blk msix; do run_area "$a" "$@"; done
else
  run_area "$area" "$@"
fi
