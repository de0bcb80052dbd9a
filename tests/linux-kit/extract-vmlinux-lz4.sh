#!/usr/bin/env bash
# Extracts the ELF vmlinux from a bzImage whose payload is LZ4-compressed (Debian's cloud kernels).
# The payload is an LZ4 "legacy" frame (magic 02 21 4C 18); lz4 -d stops at the frame's end.
set -euo pipefail
in=$1 out=$2
offsets=$(grep -aboP '\x02\x21\x4c\x18' "$in" | cut -d: -f1)
for off in $offsets; do
  if tail -c +$((off + 1)) "$in" | lz4 -dc 2>/dev/null > "$out.tmp" || [ -s "$out.tmp" ]; then
    if [ "$(head -c 4 "$out.tmp" | od -An -tx1 | tr -d ' ')" = "7f454c46" ]; then
      mv "$out.tmp" "$out"
      exit 0
    fi
  fi
done
rm -f "$out.tmp"
echo "extract-vmlinux-lz4: no LZ4 ELF payload in $in" >&2
exit 1
