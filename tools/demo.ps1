# Boots the probe guest and the Linux kit kernel with PSVmm and prints what the guests saw.
param(
    [switch] $SkipLinux,
    [int] $LinuxTimeoutSec = 600
)
$ErrorActionPreference = 'Stop'
$root = Resolve-Path "$PSScriptRoot/.."
Import-Module "$root/out/PSVmm/PSVmm.psd1"

Write-Host "== Probe guest (tests/guest): CPL3 tests of port I/O, MMIO and MSI through irqfd" -ForegroundColor Cyan
$probe = New-VmConfig -Name demo-probe -Kernel "$root/out/guest/probe.elf" -MemoryMB 64 |
    Start-Vm -PassThru | Wait-Vm -For Exit -TimeoutSec 60 -PassThru
$probe | Format-Table | Out-Host
Get-VmConsole -Vm $probe | Out-Host
Remove-Vm -Vm $probe -Force

if ($SkipLinux) { return }
$kit = Get-Content /var/cache/psvmm/linux-kit/kit.env -ErrorAction SilentlyContinue | ConvertFrom-StringData
if (-not $kit) { Write-Warning 'No Linux kit: run tests/linux-kit/build-kit.sh'; return }
Write-Host "== Debian cloud kernel $($kit.KIT_VERSION) (bzImage + kit initramfs)" -ForegroundColor Cyan
$linux = New-VmConfig -Name demo-linux -Kernel $kit.KIT_VMLINUX -Initrd $kit.KIT_INITRAMFS -MemoryMB 256 `
    -KernelArgs 'console=ttyS0 panic=-1' | Start-Vm -PassThru
Write-Host "kernel command line: $($linux.EffectiveKernelArgs)"
Wait-Vm -Vm $linux -For ConsolePattern -Pattern 'Run /init|psvmm-kit: init done|Kernel panic' -TimeoutSec $LinuxTimeoutSec -ErrorAction Continue
Get-Vm -Name demo-linux | Format-List Name, State, Uptime, FailureReason | Out-Host
Get-VmConsole -Vm $linux -Tail 40 | Out-Host
Remove-Vm -Vm $linux -Force
