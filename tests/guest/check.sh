#!/usr/bin/env bash
# Self-test of the probe guest: runs it under host/minirun (direct multiboot entry and a model of
# the PSVmm TestDevice) and, if installed, under QEMU, and checks its lines and exit statuses.
#   check.sh <dir holding probe.elf and minirun>
# Needs /dev/kvm. Exit status 0 if every check passed.
set -uo pipefail
out=${1:?usage: check.sh <out dir>}
elf=$out/probe.elf
here=$(cd "$(dirname "$0")" && pwd)
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

o=$("$out/minirun" "$elf" "blk pio=10 mmio=10 msi=10 int3=10"); s=$?
expect "minirun: blk without a virtio-blk device fails, counted" 1 $s "$o" \
  'probe: virtio FAIL no virtio-blk device .*' 'probe: blk pci FAIL' 'probe: blk done passed=0 failed=1' \
  'probe: done passed=5 failed=1'

check_disk() {  # check_disk <name> <image> <check-disk.py arguments...>
  local name=$1 image=$2 o
  shift 2
  if o=$(python3 "$here/host/check-disk.py" "$image" "$@"); then
    echo "ok   $name"
  else
    echo "  $o"; echo "FAIL $name"; failures=$((failures + 1))
  fi
}

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

  # virtio-blk: the disk image is fresh for each run; the host then checks what the probe left.
  img=$(mktemp /tmp/probe-blk.XXXXXX.img)
  trap 'rm -f "$img"' EXIT
  blk_drive() {  # blk_drive <extra virtio-blk-pci properties>
    echo "-drive file=$img,if=none,id=d0,format=raw,discard=unmap"
    echo "-device virtio-blk-pci,drive=d0,disable-legacy=on,serial=PROBE123,discard=on,write-zeroes=on$1"
  }
  blk_lines=('probe: blk pci ok' 'probe: blk pci_cfg ok' 'probe: msix ok entries=[0-9]+ vectors=.*' 'probe: blk serial=PROBE123')
  for kind in init config get_id write read inflight indirect queues flush discard write_zeroes \
              write_zeroes_unmap out_of_range unsupported msix_pending interrupts; do
    blk_ring_lines+=("probe: blk $kind ok ring=RING")
  done
  ring_lines() { printf '%s\n' "${blk_ring_lines[@]}" | sed "s/RING/$1/"; }

  rm -f "$img"; truncate -s 1M "$img"
  mapfile -t want < <(ring_lines split)
  o=$("${qemu[@]}" "${exit_device[@]}" $(blk_drive ",num-queues=2") -append "int3=10 blk blk.queues=2 blk.seed=7 blk.serial=PROBE123"); s=$?
  expect "qemu i440fx: virtio-blk, split ring, 2 queues" 1 $s "$o" "${blk_lines[@]}" "${want[@]}" \
    'probe: msix pending ok' 'probe: blk queue 1 size=64 .*' 'probe: stat blk_read_4k_cycles=[0-9]+' \
    'probe: blk done passed=20 failed=0'
  check_disk "host: disk pattern after the split run" "$img" --seed 7
  if python3 "$here/host/check-disk.py" "$img" --seed 8 >/dev/null; then
    echo "FAIL host: disk check must reject the wrong seed"; failures=$((failures + 1))
  else
    echo "ok   host: disk check rejects the wrong seed"
  fi

  # q35: ECAM at 0xB0000000, both ring formats; a 2 GiB ivshmem BAR pushes the 64-bit BARs above 4 GiB.
  # Queue size 50: the split ring rounds down to 32, the packed ring wraps in the middle of chains.
  rm -f "$img"; truncate -s 1M "$img"
  mapfile -t want < <(ring_lines split; ring_lines packed)
  o=$("${qemu[@]}" -M q35 "${exit_device[@]}" $(blk_drive ",num-queues=2,packed=on") \
      -object memory-backend-ram,id=m1,size=2G -device ivshmem-plain,memdev=m1 \
      -append "int3=10 blk blk.queues=2 blk.ring=both blk.seed=99 blk.qsize=50 ecam=0xB0000000"); s=$?
  expect "qemu q35: ECAM, split then packed ring, BAR above 4 GiB" 1 $s "$o" "${blk_lines[@]}" "${want[@]}" \
    'probe: ecam ok base=0xb0000000 dev=00:[0-9a-f]+.0 dwords=64' 'probe: virtio bar4=0x[1-9a-f][0-9a-f]{8,} .*' \
    'probe: blk queue 0 size=32 max=[0-9]+ .*' 'probe: blk queue 0 size=50 max=[0-9]+ .*' \
    'probe: blk done passed=38 failed=0'
  check_disk "host: disk pattern after the packed run" "$img" --seed 99

  # Unassigned BARs assigned by the probe; no EVENT_IDX, no indirect descriptors.
  rm -f "$img"; truncate -s 1M "$img"
  o=$("${qemu[@]}" "${exit_device[@]}" $(blk_drive "") -append "int3=10 blk blk.unassign blk.event_idx=0 blk.indirect=0"); s=$?
  expect "qemu: BARs assigned by the probe, no EVENT_IDX/INDIRECT_DESC" 1 $s "$o" \
    'probe: virtio bar4 was unassigned, assigned 0xd[0-9a-f]+' 'probe: blk indirect skip ring=split .*' \
    'probe: blk read ok ring=split' 'probe: blk write_zeroes_unmap ok ring=split' 'probe: blk done passed=19 failed=0'
  check_disk "host: disk pattern, seed 0" "$img"

  # Transitional device (1af4:1001) whose DISCARD leaves the data (no discard=unmap): the default
  # strict check must catch it; with blk.discard_zeroes=0 the sectors may keep their pattern.
  rm -f "$img"; truncate -s 1M "$img"
  transitional=(-drive "file=$img,if=none,id=d0,format=raw" -device virtio-blk-pci,drive=d0)
  o=$("${qemu[@]}" "${exit_device[@]}" "${transitional[@]}" -append "int3=10 blk blk.seed=3"); s=$?
  expect "qemu: transitional device; discard that keeps data fails the strict check" 3 $s "$o" \
    'probe: virtio-blk pci=00:[0-9a-f]+.0 id=1af4:1001' 'probe: blk discard FAIL sector 192 byte 0 reads 0x43, want 0x0' \
    'probe: blk write_zeroes ok ring=split' 'probe: blk done passed=19 failed=1'
  o=$("${qemu[@]}" "${exit_device[@]}" "${transitional[@]}" -append "int3=10 blk blk.seed=3 blk.discard_zeroes=0"); s=$?
  expect "qemu: transitional device; blk.discard_zeroes=0 accepts kept data" 1 $s "$o" \
    'probe: blk discard zeroed=0/16' 'probe: blk discard ok ring=split' 'probe: blk done passed=20 failed=0'
  check_disk "host: disk pattern, discarded sectors kept" "$img" --seed 3 --discard-any

  # A read-only disk: writes fail with IOERR.
  o=$("${qemu[@]}" "${exit_device[@]}" -drive "file=$img,if=none,id=d0,format=raw,readonly=on" \
      -device virtio-blk-pci,drive=d0,disable-legacy=on -append "int3=10 blk"); s=$?
  expect "qemu: read-only virtio-blk" 1 $s "$o" 'probe: blk device is read-only \(VIRTIO_BLK_F_RO\)' \
    'probe: blk read_only ok ring=split' 'probe: blk done passed=[0-9]+ failed=0'

  o=$("${qemu[@]}" -append "pio=10 int3=10"); s=$?
  expect "qemu: no exit port -> triple fault" 0 $s "$o" \
    'probe: done passed=3 failed=0' 'probe: exit port ignored, forcing a triple fault'
else
  echo "skip qemu checks (qemu-system-x86_64 not installed)"
fi

[ $failures = 0 ] && echo "all checks passed" || echo "$failures check(s) failed"
[ $failures = 0 ]
