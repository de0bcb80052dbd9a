# The main job: boots guests on a virtio-blk-pci disk with PSVmm and prints what each guest saw.
#  1. the probe guest (tests/guest) as a virtio-blk driver: split and packed rings, MSI-X, every request type;
#  2. the small Linux kernel of the kit with an ext4 root on a virtio-blk disk (built once, ~7-15 min);
#  3. Debian's stock cloud kernel, as far as it gets under this host's KVM.
param(
    [switch] $SkipLinux,
    [int] $LinuxTimeoutSec = 600
)
$ErrorActionPreference = 'Stop'
$root = Resolve-Path "$PSScriptRoot/.."
Import-Module "$root/out/PSVmm/PSVmm.psd1"
$work = Join-Path ([IO.Path]::GetTempPath()) "psvmm-demo"
New-Item -ItemType Directory -Force $work | Out-Null

Write-Host "`n== 1. Probe guest driving a virtio-blk-pci disk (1 MiB image, 2 queues)" -ForegroundColor Cyan
$img = Join-Path $work probe-disk.img
$null = New-VmDiskImage -Path $img -SizeBytes 1MB -Force
$probe = New-VmConfig -Name demo-probe -Kernel "$root/out/guest/probe.elf" -MemoryMB 64 `
        -KernelArgs 'blk blk.queues=2 blk.ring=both blk.seed=7 ecam=0xE0000000 idle' |
    Add-VirtioBlkPci -Path $img -Serial DEMO0001 -NumQueues 2 |
    Start-Vm -PassThru
Wait-Vm -Vm $probe -For ConsolePattern -Pattern 'probe: done' -TimeoutSec 120
Get-VmConsole -Vm $probe | Where-Object { $_ -match 'probe: (boot|pio|mmio|msi|int3|blk (serial|features|queue|done)|done)' } | Out-Host
Get-VmPciDevice -Vm $probe | Format-Table | Out-Host
Get-VmVirtioDevice -Vm $probe | Format-List | Out-Host
Get-VmMsixTable -Vm $probe | Format-Table | Out-Host
Get-VmVirtqueue -Vm $probe | Format-Table | Out-Host
Get-VmBlockStatistic -Vm $probe | Format-List | Out-Host
Get-VmEvent -Vm $probe | Out-Host     # the requests the probe got refused on purpose
Stop-Vm -Vm $probe
Write-Host "exit code $((Get-Vm -Name demo-probe).ExitCode); image check:"
& python3 "$root/tests/guest/host/check-disk.py" $img --seed 7
Remove-Vm -Name demo-probe -Force

if ($SkipLinux) { return }

Write-Host "`n== 2. Small Linux kernel (virtio built in) with an ext4 root on virtio-blk-pci" -ForegroundColor Cyan
$kitDir = & "$root/tests/linux-kit/build-small-kernel.sh"
$kernel = (Get-Content "$kitDir/small-kernel.env" | ConvertFrom-StringData).SMALL_VMLINUX
$rootImg = Join-Path $work root.img
$null = New-VmDiskImage -Path $rootImg -SizeBytes 64MB -FileSystem ext4 -Label psvmm-root -Force
$linux = New-VmConfig -Name demo-linux -Kernel $kernel -MemoryMB 256 -KernelArgs 'console=ttyS0 root=/dev/vda rw' |
    Add-VirtioBlkPci -Path $rootImg -Serial ROOT0001 | Start-Vm -PassThru
Write-Host "kernel command line: $($linux.EffectiveKernelArgs)"
Wait-Vm -Vm $linux -For ConsolePattern -Pattern 'Run /sbin/init|Kernel panic' -TimeoutSec $LinuxTimeoutSec -ErrorAction Continue
Get-VmConsole -Vm $linux | Where-Object { $_ -match 'Linux version|Command line|virtio|vda|EXT4|VFS|Power Button|PM: \(supports|Run /' } | Out-Host
Get-VmMsixTable -Vm $linux | Format-Table | Out-Host
Stop-Vm -Vm $linux -TurnOff -Force
& dumpe2fs -h $rootImg 2>$null | Select-String 'Mount count|Last mount time' | Out-Host
Remove-Vm -Name demo-linux -Force

Write-Host "`n== 3. Debian's stock cloud kernel (bzImage's vmlinux, kit initramfs)" -ForegroundColor Cyan
$kit = Get-Content /var/cache/psvmm/linux-kit/kit.env | ConvertFrom-StringData
$stock = New-VmConfig -Name demo-stock -Kernel $kit.KIT_VMLINUX -Initrd $kit.KIT_INITRAMFS -MemoryMB 256 -KernelArgs 'console=ttyS0' |
    Start-Vm -PassThru
Wait-Vm -Vm $stock -For ConsolePattern -Pattern 'Run /init|Kernel panic' -TimeoutSec $LinuxTimeoutSec -ErrorAction Continue
Get-VmConsole -Vm $stock -Tail 15 | Out-Host
Get-Vm -Name demo-stock | Format-Table | Out-Host
Remove-Vm -Name demo-stock -Force
