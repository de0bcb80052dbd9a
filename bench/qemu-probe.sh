#!/usr/bin/env bash
# Boots the probe guest under QEMU/KVM and prints its serial output, for side-by-side runs with
# PSVmm on the same binary. Extra arguments become the guest command line (e.g. `msi=5000 int3=5000`).
#   bench/qemu-probe.sh [probe options...]
# Environment: PROBE_ELF (default out/guest/probe.elf), QEMU_CPU (default host,-arch-capabilities:
# plain `host` fails on this platform with MSR 0x10a), PROBE_TIMEOUT seconds (default 120),
# QEMU_EDU=0 to leave out the `edu` PCI device (the probe's MSI source under QEMU).
# Exit status: the probe's own status (0 = all passed) modulo 0x80 (a process exit code has 8 bits,
# so an exception status 0x80 + vector shows as the vector: read the serial output), 124 on
# timeout, 125 if QEMU failed to run or the guest did not use the exit port.
set -uo pipefail
cd "$(dirname "$0")/.."

elf=${PROBE_ELF:-out/guest/probe.elf}
cpu=${QEMU_CPU:-host,-arch-capabilities}
limit=${PROBE_TIMEOUT:-120}
edu=(-device edu)
[ "${QEMU_EDU:-1}" = 0 ] && edu=()

if [ ! -f "$elf" ]; then
  echo "qemu-probe: $elf not found (run build.sh or make -C tests/guest)" >&2
  exit 125
fi
if ! command -v qemu-system-x86_64 >/dev/null; then
  echo "qemu-probe: qemu-system-x86_64 not installed (apt-get install qemu-system-x86)" >&2
  exit 125
fi

timeout "$limit" qemu-system-x86_64 -enable-kvm -cpu "$cpu" -m 64 -smp 1 \
  -nodefaults -no-reboot -display none -monitor none -serial stdio \
  -device isa-debug-exit,iobase=0xf4,iosize=0x04 "${edu[@]}" \
  -kernel "$elf" -append "$*"
rc=$?

# isa-debug-exit makes QEMU exit with (status << 1) | 1; a clean QEMU exit (0) means the probe
# fell back to a triple fault, which it only does after printing why.
case $rc in
  124) echo "qemu-probe: timed out after ${limit}s" >&2; exit 124 ;;
  0) echo "qemu-probe: guest shut down without using the exit port" >&2; exit 125 ;;
esac
if (( rc & 1 )); then
  exit $(( rc >> 1 ))
fi
echo "qemu-probe: qemu failed (exit $rc)" >&2
exit 125
