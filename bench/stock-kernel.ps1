# Stock-kernel benchmark: Start-Vm to the kernel's `Run /init` line for the Debian cloud kernel of
# the Linux test kit (vmlinux + uncompressed initramfs, 256 MiB, 1 vCPU), under PSVmm and under
# QEMU (-enable-kvm) in the same run, with the same command line (PSVmm's effective one).
# PSVmm boots the kernel as shipped. QEMU stops on the CPL0 instructions the PVM emulator
# rejects (int3 self-test, fwait), so under PVM it boots a copy of the vmlinux with those two
# sites binary-patched (tests/linux-kit/small-kernel/patch-vmlinux-for-pvm-peer.sh) and with
# CX16 hidden, as PSVmm hides it. One run each: minutes apiece under PVM (PLATFORM.md).
# Measured 2026-11-25 (6.1.0-56): PSVmm 479 s to Run /init; patched QEMU still stopped at 135 s
# (guest 115 s, after "cpuidle: using governor menu") on an int3 that text_poke_bp had just
# written into a static branch (RIP ffffffff810f2801, IF=0), which no file patch removes.
# Run: bench/run.sh stock-kernel   (builds first). Compare the ratio, not absolute times.
param(
    [int] $TimeoutSec = 1500,
    [string] $QemuCpu = $(if ($env:PSVMM_QEMU_CPU) { $env:PSVMM_QEMU_CPU } else { 'host,-arch-capabilities,-cx16' })
)
$ErrorActionPreference = 'Stop'
$root = Resolve-Path "$PSScriptRoot/.."
. "$root/tests/linux-kit/QemuLinuxBoot.ps1"
$kitDir = & "$root/tests/linux-kit/build-kit.sh"
if ($LASTEXITCODE) { throw 'build-kit.sh failed' }
$kit = Get-Content "$kitDir/kit.env" | ConvertFrom-StringData
Import-Module "$root/out/PSVmm/PSVmm.psd1"

$cfg = New-VmConfig -Name bench-stock-kernel -Kernel $kit.KIT_VMLINUX -Initrd $kit.KIT_INITRAMFS -MemoryMB 256 `
    -KernelArgs 'console=ttyS0 earlyprintk=serial,ttyS0'
$sw = [Diagnostics.Stopwatch]::StartNew()
$vm = $cfg | Start-Vm -PassThru
Wait-Vm -Vm $vm -For ConsolePattern -Pattern 'Run /init|Kernel panic' -TimeoutSec $TimeoutSec -ErrorAction Continue
$psvmmSeconds = $sw.Elapsed.TotalSeconds
$psvmmConsole = Get-VmConsole -Vm $vm -Raw
$psvmmReached = $psvmmConsole -match 'Run /init'
$append = $vm.EffectiveKernelArgs
$fixups = ((Get-VmVcpu -Vm $vm)[0].EmulationFixups.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ', '
Remove-Vm -Vm $vm -Force

$qemu = $null
$qemuKernel = $kit.KIT_VMLINUX
$patched = $null
if (Test-QemuAvailable) {
    if (Test-Path /sys/module/kvm_pvm) {
        $patched = Join-Path ([IO.Path]::GetTempPath()) "stock-vmlinux-patched-$PID"
        & "$root/tests/linux-kit/small-kernel/patch-vmlinux-for-pvm-peer.sh" $kit.KIT_VMLINUX $patched
        if ($LASTEXITCODE) { throw 'patch-vmlinux-for-pvm-peer.sh failed' }
        $qemuKernel = $patched
    }
    try {
        $qemu = Invoke-QemuLinuxBoot -Kernel $qemuKernel -Initrd $kit.KIT_INITRAMFS -Append $append -Cpu $QemuCpu `
            -Pattern 'Run /init|Kernel panic' -TimeoutSec $TimeoutSec
    }
    finally { if ($patched) { Remove-Item $patched -ErrorAction SilentlyContinue } }
}

Write-Host "kernel: $($kit.KIT_VERSION) (vmlinux + $(Split-Path -Leaf $kit.KIT_INITRAMFS)); command line: $append"
Write-Host "PSVmm: the kernel as shipped; CPL0 fix-ups: $fixups"
if ($qemu) {
    Write-Host "QEMU:  $(if ($patched) { 'the vmlinux binary-patched by patch-vmlinux-for-pvm-peer.sh (int3 self-test, fwait)' } else { 'the kernel as shipped' }); -cpu $QemuCpu"
    if ($qemu.EmulationFailure) { Write-Host "QEMU stopped on an emulation failure:`n$($qemu.EmulationFailure)" }
} else {
    Write-Host 'QEMU: qemu-system-x86_64 not found; PSVmm only'
}
$qemuReached = $qemu -and $qemu.Reached -and $qemu.Console -match 'Run /init'
$row = [pscustomobject]@{
    Measure = 'Start-Vm to "Run /init" (s)'
    PSVmm = if ($psvmmReached) { [math]::Round($psvmmSeconds, 1) } else { "not reached in $([int]$psvmmSeconds)" }
    QEMU = if (-not $qemu) { $null } elseif ($qemuReached) { $qemu.Seconds } else { "not reached (stopped at $($qemu.Seconds))" }
}
$row | Add-Member Ratio $(if ($psvmmReached -and $qemuReached) { [math]::Round($psvmmSeconds / $qemu.Seconds, 2) })
$row | Format-Table -AutoSize | Out-String -Width 200
