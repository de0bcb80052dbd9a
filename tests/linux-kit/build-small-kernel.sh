#!/usr/bin/env bash
# Builds the PSVmm small test kernel from Debian's linux-source-6.1 package:
#   make tinyconfig (x86_64) + small-kernel.config fragment (merge_config.sh) + olddefconfig,
#   then checks that every option of the fragment survived, and builds bzImage (keeping vmlinux,
#   an ELF with the PVH entry note).
# Outputs in $PSVMM_CACHE/small-kernel (default /var/cache/psvmm/small-kernel):
#   bzImage, vmlinux, .config, build-time.txt, small-kernel.env
#   (SMALL_KERNEL_VERSION, SMALL_BZIMAGE, SMALL_VMLINUX, SMALL_CONFIG; sourced by tests)
# Cached: rebuilt only when the linux-source package version, the fragment or this script change.
# Prints the output folder on success.
# Usage: build-small-kernel.sh [--out DIR] [--jobs N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${PSVMM_CACHE:-/var/cache/psvmm}
out=$cache/small-kernel
jobs=2
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    *) echo "usage: $0 [--out DIR] [--jobs N]" >&2; exit 2 ;;
  esac
done
fragment=$here/small-kernel.config
log() { echo "build-small-kernel: $*" >&2; }

# What a 6.1 tinyconfig build really needs: a C toolchain and make, flex/bison (kconfig and dtc
# parsers), bc (timeconst), libelf-dev (objtool, which x86_64 always builds), xz-utils to unpack
# the source, and the source itself. No libssl-dev: without modules and keyrings nothing signs.
need=()
for p in linux-source-6.1 gcc make libc6-dev flex bison bc libelf-dev xz-utils; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

src_version=$(dpkg-query -W -f '${Version}' linux-source-6.1)
tarball=/usr/src/linux-source-6.1.tar.xz
[ -f "$tarball" ] || { log "$tarball missing (linux-source-6.1 $src_version)"; exit 1; }

stamp="$src_version $(cat "$fragment" "$here/build-small-kernel.sh" | sha256sum | cut -c1-16)"
if [ -f "$out/small-kernel.env" ] && [ "$(cat "$out/.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "$out"
  exit 0
fi

mkdir -p "$out"
work=$(mktemp -d "$cache/small-kernel-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
t0=$(date +%s.%N)
log "unpacking linux-source $src_version"
tar -xJf "$tarball" -C "$work"
tree=$work/linux-source-6.1
mk() { make -C "$tree" ARCH=x86_64 "$@"; }

{
  mk -s tinyconfig &&
  (cd "$tree" && ARCH=x86_64 scripts/kconfig/merge_config.sh -m .config "$fragment") &&
  mk -s olddefconfig
} >"$work/config.log" 2>&1 || { cat "$work/config.log" >&2; log "configuration failed"; exit 1; }

# Every option of the fragment must be in the final .config with the value asked for; kconfig
# silently drops a "y" whose dependencies are unmet, so list those and stop.
dropped=()
while IFS= read -r line; do
  case $line in
    CONFIG_*=n)
      name=${line%%=*}
      if grep -q "^$name=" "$tree/.config"; then dropped+=("$line (got $(grep "^$name=" "$tree/.config"))"); fi ;;
    CONFIG_*=*)
      if ! grep -qxF "$line" "$tree/.config"; then
        name=${line%%=*}
        got=$(grep "^$name=\|^# $name is not set" "$tree/.config" || true)
        dropped+=("$line (got ${got:-nothing})")
      fi ;;
  esac
done < <(sed -n 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1=n/p; /^CONFIG_/p' "$fragment")
if [ ${#dropped[@]} -gt 0 ]; then
  log "olddefconfig dropped options of $fragment (a dependency is missing):"
  printf '  %s\n' "${dropped[@]}" >&2
  exit 1
fi

t1=$(date +%s.%N)
log "compiling bzImage with -j$jobs"
mk -s -j"$jobs" bzImage KBUILD_BUILD_USER=psvmm KBUILD_BUILD_HOST=psvmm >"$work/make.log" 2>&1 \
  || { tail -40 "$work/make.log" >&2; log "make bzImage failed"; exit 1; }
t2=$(date +%s.%N)

release=$(cat "$tree/include/config/kernel.release")
cp "$tree/arch/x86/boot/bzImage" "$out/bzImage"
cp "$tree/vmlinux" "$out/vmlinux"
cp "$tree/.config" "$out/.config"
compile=$(echo "$t2 - $t1" | bc)
total=$(echo "$t2 - $t0" | bc)
{
  echo "linux-source-6.1 $src_version, kernel $release, make -j$jobs bzImage"
  printf 'compile_seconds=%.1f\n' "$compile"
  printf 'total_seconds=%.1f\n' "$total"
  echo "built_at=$(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out/build-time.txt"
cat > "$out/small-kernel.env" <<ENV
SMALL_KERNEL_VERSION=$release-psvmm-$src_version
SMALL_BZIMAGE=$out/bzImage
SMALL_VMLINUX=$out/vmlinux
SMALL_CONFIG=$out/.config
ENV
echo "$stamp" > "$out/.stamp"
log "built in $(printf '%.0f' "$total") s (compile $(printf '%.0f' "$compile") s); bzImage $(stat -c %s "$out/bzImage") bytes"
echo "$out"
