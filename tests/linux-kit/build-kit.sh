#!/usr/bin/env bash
# Builds the Linux test kit from Debian packages only (apt-get download):
#   vmlinuz        the Debian cloud kernel as shipped (bzImage, LZ4 payload)
#   vmlinux        the same kernel as an ELF, extracted from the bzImage's LZ4 payload
#   modules/       its virtio modules (virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk)
#   initramfs.cpio  busybox-static, the modules, and an /init that loads them, prints a
#                  parseable report of the block devices, runs /test.sh if present, powers off.
#                  Uncompressed on purpose: under PVM the kernel runs at CPL0 in KVM's
#                  instruction emulator, where inflating a gzip initramfs took ~2 minutes
#                  (PLATFORM.md); an uncompressed cpio is only copied.
#   kit.env        KIT_VERSION, paths (sourced by tests)
# Cached: the kit is rebuilt only when missing or when the kernel package changes.
# Usage: build-kit.sh [--test-script FILE] [--out DIR]   (default DIR: $PSVMM_CACHE/linux-kit)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${PSVMM_CACHE:-/var/cache/psvmm}
out=$cache/linux-kit
test_script=
while [ $# -gt 0 ]; do
  case $1 in
    --test-script) test_script=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: $0 [--test-script FILE] [--out DIR]" >&2; exit 2 ;;
  esac
done

need=()
for p in busybox-static lz4 cpio; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The newest cloud kernel the package mirror serves, named by the meta package's dependency.
pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-6/{print $2; exit}')
if [ -z "$pkg" ]; then
  apt-get update -qq >/dev/null
  pkg=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-6/{print $2; exit}')
fi
[ -n "$pkg" ] || { echo "build-kit: no linux-image-*-cloud-amd64 package found" >&2; exit 1; }
kver=${pkg#linux-image-}

stamp="$kver $(cat "$here/init" "$here/build-kit.sh" ${test_script:+"$test_script"} | sha256sum | cut -c1-16)"
if [ -f "$out/kit.env" ] && [ "$(cat "$out/.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "$out"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
(cd "$work" && apt-get download -q "$pkg" busybox-static >/dev/null 2>&1)
dpkg-deb -x "$work/$pkg"_*.deb "$work/kernel"
dpkg-deb -x "$work"/busybox-static_*.deb "$work/busybox"

cp "$work/kernel/boot/vmlinuz-$kver" "$out/vmlinuz"
"$here/extract-vmlinux-lz4.sh" "$out/vmlinuz" "$out/vmlinux"

mods="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk"
rm -rf "$out/modules" && mkdir -p "$out/modules"
for m in $mods; do
  f=$(find "$work/kernel/lib/modules/$kver" -name "$m.ko*" | head -1)
  [ -n "$f" ] || { echo "build-kit: module $m not found in $pkg" >&2; exit 1; }
  cp "$f" "$out/modules/"
done

root=$work/initramfs
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,mnt,lib/modules}
cp "$work/busybox/bin/busybox" "$root/bin/busybox"
for tool in sh mount umount insmod cat ls echo sleep poweroff reboot mkdir dd hexdump grep sync; do
  ln -s busybox "$root/bin/$tool"
done
cp "$out"/modules/* "$root/lib/modules/"
echo "$mods" > "$root/lib/modules/order"
cp "$here/init" "$root/init"
chmod +x "$root/init"
[ -n "$test_script" ] && install -m 755 "$test_script" "$root/test.sh"
(cd "$root" && find . | cpio -o -H newc --quiet) > "$out/initramfs.cpio"

cat > "$out/kit.env" <<ENV
KIT_VERSION=$kver
KIT_VMLINUZ=$out/vmlinuz
KIT_VMLINUX=$out/vmlinux
KIT_INITRAMFS=$out/initramfs.cpio
ENV
echo "$stamp" > "$out/.stamp"
echo "$out"
