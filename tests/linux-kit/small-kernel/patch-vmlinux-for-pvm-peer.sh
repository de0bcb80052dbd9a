#!/usr/bin/env bash
# Writes a copy of the small kernel's vmlinux with the two CPL0 instructions patched that no
# config or command line avoids and that the PVM CPL0 emulator rejects (PLATFORM.md), so that
# QEMU, which stops on them, can boot it for side-by-side timing with PSVmm on this host:
#   int3_selftest_ip: "int3; nop x4" -> "call int3_magic"   (what the #BP handler would emulate)
#   fpu__drop:        "fwait"        -> "nop"               (no x87 exception is ever pending)
# PSVmm itself boots the unpatched kernel (it injects #BP for int3 and skips fwait).
# Only the ELF file is patched: boot it with QEMU's PVH entry (-kernel vmlinux).
# A vmlinux without a symbol table (the one extracted from a distribution bzImage, e.g. the
# Debian cloud kernel of build-kit.sh) is patched by finding the two sites from their code:
#   the self-test is the only "lea d8(%rsp),%rdi; int3; nop x4" in .init.text; it becomes
#     "movb $1,(%rdi); nop x2" (what int3_magic stores; the test's variable starts at 0);
#   the fwait is the only __ex_table entry (x86 6.x: insn, fixup, data as 32-bit self-relative
#     offsets) whose instruction is fwait with its fixup on the next byte.
# Usage: patch-vmlinux-for-pvm-peer.sh VMLINUX OUT
set -euo pipefail
in=${1:?usage: patch-vmlinux-for-pvm-peer.sh VMLINUX OUT}
out=${2:?usage: patch-vmlinux-for-pvm-peer.sh VMLINUX OUT}
die() { echo "patch-vmlinux: $*" >&2; exit 1; }
sym() { nm "$in" 2>/dev/null | awk -v s="$1" '$3 == s && !n++ { print $1 }'; }
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

if [ -z "$(sym int3_selftest_ip)" ]; then
  python3 - "$out" <<'PY' || die "could not locate the sites in a vmlinux without symbols"
import struct, subprocess, sys
path = sys.argv[1]
data = bytearray(open(path, 'rb').read())
sections = {}
for line in subprocess.run(['readelf', '-SW', path], capture_output=True, text=True, check=True).stdout.splitlines():
    f = line.replace('[ ', '[').split()
    if len(f) > 5 and f[0].startswith('[') and f[0] != '[Nr]':
        sections[f[1]] = (int(f[3], 16), int(f[4], 16), int(f[5], 16))
def file_offset(va):
    for addr, off, size in sections.values():
        if addr and addr <= va < addr + size:
            return va - addr + off
    return None
addr, off, size = sections['.init.text']
pattern = b'\xcc\x90\x90\x90\x90'
sites = [i for i in range(off, off + size - 5) if data[i:i + 5] == pattern and data[i - 5:i - 1] == b'\x48\x8d\x7c\x24']
if len(sites) != 1:
    sys.exit(f'patch-vmlinux: {len(sites)} int3 self-test candidates in .init.text')
selftest = sites[0]
data[selftest:selftest + 5] = b'\xc6\x07\x01\x90\x90'
addr, off, size = sections['__ex_table']
fwaits = []
for i in range(0, size, 12):
    insn, fixup, _ = struct.unpack_from('<iii', data, off + i)
    insn_va, fixup_va = addr + i + insn, addr + i + 4 + fixup
    o = file_offset(insn_va)
    if o is not None and data[o] == 0x9b and fixup_va == insn_va + 1:
        fwaits.append(o)
if len(fwaits) != 1:
    sys.exit(f'patch-vmlinux: {len(fwaits)} fwait sites with an exception-table fixup')
data[fwaits[0]] = 0x90
open(path, 'wb').write(data)
print(f'patch-vmlinux: no symbols; int3 self-test at file offset {selftest:#x} -> movb $1,(%rdi); '
      f'fwait at file offset {fwaits[0]:#x} -> nop', file=sys.stderr)
PY
  exit 0
fi

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
