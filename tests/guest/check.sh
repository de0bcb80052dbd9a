#!/usr/bin/env bash
# Self-test of the probe guest: runs it under host/minirun (direct multiboot entry and a model of
# the PSVmm TestDevice) and, if installed, under QEMU, and checks its lines and exit statuses.
#   check.sh <dir holding probe.elf and minirun>
# Needs /dev/kvm. Exit status 0 if every check passed.
set -uo pipefail
out=${1:?usage: check.sh <out dir>}
elf=$out/probe.elf
failures=0

expect() {  # expect <name> <wanted status> <actual status> <output> <line patterns...>
  local name=$1 want=$2 got=$3 output=$4 ok=1
  shift 4
  [ "$got" = "$want" ] || { echo "  status $got, want $want"; ok=0; }
  for pattern in "$@"; do
    grep -qxE "$pattern" <<<"$output" || { echo "  missing line: $pattern"; ok=0; }
  done
  if [ $ok = 1 ]; then echo "ok   $name"; else echo "FAIL $name"; failures=$((failures + 1)); fi
}

o=$("$out/minirun" "$elf" "msi=200"); s=$?
expect "minirun: all tests pass" 0 $s "$o" \
  'probe: boot ok cpl=3' 'probe: cmdline=msi=200' 'probe: pio ok' 'probe: mmio ok' \
  'probe: msi ok count=200' 'probe: int3 ok' 'probe: stat msi_roundtrip_cycles=[0-9]+' \
  'probe: stat boot_cycles=[0-9]+' \
  'probe: done passed=5 failed=0'

o=$("$out/minirun" --shutdown-after-idle "$elf" "idle pio=10 mmio=10 msi=10 int3=10"); s=$?
expect "minirun: idle until shutdown requested" 0 $s "$o" \
  'probe: done passed=5 failed=0' 'probe: idle' 'probe: shutdown requested'

o=$("$out/minirun" "$elf" "fault"); s=$?
expect "minirun: exception reported, status 0x8E" 142 $s "$o" \
  'probe: fault requested' 'probe: FAIL exception #PF vector=14 rip=0x[0-9a-f]+ cs=0x23 error=0x4 cr2=0x100000000 rsp=0x[0-9a-f]+'

if command -v qemu-system-x86_64 >/dev/null; then
  qemu=(timeout 120 qemu-system-x86_64 -enable-kvm -cpu host,-arch-capabilities -m 64 -nodefaults
        -no-reboot -display none -monitor none -serial stdio -kernel "$elf")
  exit_device=(-device isa-debug-exit,iobase=0xf4,iosize=0x04)

  o=$("${qemu[@]}" "${exit_device[@]}" -append "int3=100"); s=$?
  expect "qemu: boot, pio, int3 pass; no test device" 1 $s "$o" \
    'probe: boot ok cpl=3' 'probe: pio ok' 'probe: mmio skip \(no test device\)' \
    'probe: msi skip \(no test device\)' 'probe: int3 ok' 'probe: done passed=3 failed=0'

  o=$("${qemu[@]}" "${exit_device[@]}" -device edu -append "msi=100"); s=$?
  expect "qemu: mmio and msi through edu" 1 $s "$o" \
    'probe: mmio ok' 'probe: msi ok count=100' 'probe: done passed=5 failed=0'

  o=$("${qemu[@]}" -append "pio=10 int3=10"); s=$?
  expect "qemu: no exit port -> triple fault" 0 $s "$o" \
    'probe: done passed=3 failed=0' 'probe: exit port ignored, forcing a triple fault'
else
  echo "skip qemu checks (qemu-system-x86_64 not installed)"
fi

[ $failures = 0 ] && echo "all checks passed" || echo "$failures check(s) failed"
[ $failures = 0 ]
