#!/usr/bin/env bash
# Writes a copy of the small kernel's vmlinux with the two CPL0 instructions patched that no
# config or command line avoids and that the PVM CPL0 emulator rejects (PLATFORM.md), so that
# QEMU, which stops on them, can boot it for side-by-side timing with PSVmm on this host:
#   int3_selftest_ip: "int3; nop x4" -> "call int3_magic"   (what the #BP handler would emulate)
#   fpu__drop:        "fwait"        -> "nop"               (no x87 exception is ever pending)
# PSVmm itself boots the unpatched kernel (it injects #BP for int3 and skips fwait).
# Only the ELF file is patched: boot it with QEMU's PVH entry (-kernel vmlinux).
# Usage: patch-vmlinux-for-pvm-peer.sh VMLINUX OUT
set -euo pipefail
in=${1:?usage: patch-vmlinux-for-pvm-peer.sh VMLINUX OUT}
out=${2:?usage: patch-vmlinux-for-pvm-peer.sh VMLINUX OUT}
die() { echo "patch-vmlinux: $*" >&2; exit 1; }
sym() { nm "$in" | awk -v s="$1" '$3 == s && !n++ { print $1 }'; }
# File offset of a virtual address, from the PT_LOAD program headers.
file_offset() {
  local a=$((16#$1)) type off va pa fs rest
  while read -r type off va pa fs rest; do
    [ "$type" = LOAD ] || continue
    if [ "$a" -ge $((va)) ] && [ "$a" -lt $((va + fs)) ]; then echo $((a - va + off)); return; fi
  done < <(readelf -lW "$in")
}
bytes_at() { dd if="$out" bs=1 skip="$1" count="$2" status=none | od -An -tx1 | tr -d ' \n'; }
put() { printf "$2" | dd of="$out" bs=1 seek="$1" conv=notrunc status=none; }
le32() { local v=$(($1 & 0xffffffff)); printf '\\%03o\\%03o\\%03o\\%03o' $((v & 255)) $((v >> 8 & 255)) $((v >> 16 & 255)) $((v >> 24 & 255)); }

cp "$in" "$out"

ip=$(sym int3_selftest_ip); magic=$(sym int3_magic)
[ -n "$ip" ] && [ -n "$magic" ] || die "int3_selftest_ip/int3_magic not in the symbol table"
off=$(file_offset "$ip"); [ -n "$off" ] || die "int3_selftest_ip not in a PT_LOAD segment"
[ "$(bytes_at "$off" 5)" = cc90909090 ] || die "int3_selftest_ip holds $(bytes_at "$off" 5), not int3+nops"
put "$off" "\\350$(le32 $((16#$magic - (16#$ip + 5))))"

drop=$(sym fpu__drop); [ -n "$drop" ] || die "fpu__drop not in the symbol table"
fwait=$(objdump -d --no-show-raw-insn --start-address=0x$drop --stop-address=$((16#$drop + 256)) "$in" \
  | awk '$2 == "fwait" && !n++ { sub(":", "", $1); print $1 }')
[ -n "$fwait" ] || die "no fwait in fpu__drop"
off=$(file_offset "$fwait")
[ "$(bytes_at "$off" 1)" = 9b ] || die "fwait byte not found at 0x$fwait"
put "$off" '\220'
echo "patch-vmlinux: int3 self-test at 0x$ip -> call 0x$magic; fwait at 0x$fwait -> nop" >&2
