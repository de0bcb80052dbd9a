#!/usr/bin/env bash
# Installs the Debian packages the build and tests need (only those missing).
set -euo pipefail
need=()
for p in gcc make binutils qemu-system-x86 lz4 cpio busybox-static e2fsprogs afl++ openssh-server; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
command -v python3 >/dev/null 2>&1 || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
