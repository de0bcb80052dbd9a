#!/usr/bin/env bash
# Makes a raw disk image for the small kernel: an MBR partition table (one Linux partition,
# type 0x83, from LBA 2048 to the end) holding an empty ext4 file system labelled psvmm-root.
# The kernel reads the table (vda: vda1) and mounts root=/dev/vda1. The file system holds only
# /dev (so the kernel's devtmpfs automount finds its mount point) and /sbin, /etc, /bin: no init.
# Usage: make-disk.sh IMAGE [SIZE_MIB]   (default 64 MiB)
set -euo pipefail
img=${1:?usage: make-disk.sh IMAGE [SIZE_MIB]}
mib=${2:-64}
dpkg -s e2fsprogs >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq e2fsprogs >/dev/null
start=2048
total=$((mib * 2048))
count=$((total - start))
rm -f "$img"
truncate -s "${mib}M" "$img"
le32() { printf '\\%03o\\%03o\\%03o\\%03o' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
# MBR partition entry (16 bytes at offset 446): status, CHS first (unused by Linux, LBA only),
# type 0x83, CHS last, first LBA, sector count; then the 0x55AA signature at 510.
entry="\\000\\376\\377\\377\\203\\376\\377\\377$(le32 $start)$(le32 $count)"
printf "$entry" | dd of="$img" bs=1 seek=446 conv=notrunc status=none
printf '\125\252' | dd of="$img" bs=1 seek=510 conv=notrunc status=none
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree"/{dev,sbin,etc,bin}
mkfs.ext4 -q -F -b 4096 -L psvmm-root -d "$tree" -E offset=$((start * 512)) "$img" $((count / 2))k
