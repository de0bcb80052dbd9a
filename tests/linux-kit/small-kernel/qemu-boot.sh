#!/usr/bin/env bash
# Boots the small kernel under QEMU (KVM) with a virtio-blk disk, for side-by-side runs with
# PSVmm. Prints the serial console; exits when the guest stops or after $TIMEOUT seconds.
# Usage: qemu-boot.sh KERNEL DISK [EXTRA_APPEND...]
#   KERNEL: bzImage, or vmlinux (QEMU boots an ELF with a PVH note through the PVH entry)
#   DISK:   raw image from make-disk.sh (MBR + ext4 in partition 1)
# Stops QEMU when it reports a KVM emulation failure (it would stay paused) or after TIMEOUT.
# Environment: TIMEOUT (default 900 s), QEMU_CPU (default max,-arch-capabilities: `-cpu host`
#   fails on MSR 0x10a under PVM), QEMU_MEM (default 256), QEMU_SMP (default 1),
#   PVM_CMDLINE=0 to leave out the command line that keeps Linux off instructions the PVM CPL0
#   emulator rejects (see shared/design/PLATFORM.md).
set -euo pipefail
kernel=${1:?usage: qemu-boot.sh KERNEL DISK [EXTRA_APPEND...]}
disk=${2:?usage: qemu-boot.sh KERNEL DISK [EXTRA_APPEND...]}
shift 2
dpkg -s qemu-system-x86 >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null
append="console=ttyS0 earlyprintk=serial,ttyS0,115200 root=/dev/vda1 rw rootwait panic=-1"
if [ "${PVM_CMDLINE:-1}" != 0 ] && [ -d /sys/module/kvm_pvm ]; then
  append+=" noxsave nofsgsbase noinvpcid clearcpuid=smap,popcnt,rdtscp,rdpid,ssse3,sse4_1,sse4_2,pclmulqdq,aes,movbe,clwb,erms,fsrm"
  append+=" mitigations=off tsc=reliable tsc=noirqtime no_timer_check cryptomgr.notests random.trust_cpu=on initramfs_async=0 nowatchdog"
fi
[ $# -gt 0 ] && append+=" $*"
echo "qemu-boot: append: $append" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
qemu-system-x86_64 -enable-kvm \
  -cpu "${QEMU_CPU:-max,-arch-capabilities}" -m "${QEMU_MEM:-256}" -smp "${QEMU_SMP:-1}" \
  -display none -no-reboot -serial stdio -monitor none \
  -kernel "$kernel" -append "$append" \
  -drive file="$disk",if=virtio,format=raw </dev/null >"$log" 2>&1 &
qemu=$!
tail -n +1 -f --pid=$qemu "$log" &
# On KVM_EXIT_INTERNAL_ERROR QEMU prints the registers and the code bytes ("Code=...") and then
# stays paused; stop it there, or at the time limit.
start=$SECONDS
while kill -0 $qemu 2>/dev/null; do
  if grep -q '^Code=' "$log" || [ $((SECONDS - start)) -ge "${TIMEOUT:-900}" ]; then
    sleep 1; kill $qemu 2>/dev/null || true; break
  fi
  sleep 1
done
wait $qemu 2>/dev/null || true
sleep 1
echo "qemu-boot: stopped after $((SECONDS - start)) s" >&2
