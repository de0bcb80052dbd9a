# The main job: boots guests on a virtio-blk-pci disk with PSVmm and prints what each guest saw.
#  1. the probe guest (tests/guest) as a virtio-blk driver: split and packed rings, MSI-X, every
#     request type; the device state is shown live, while the probe holds the device up (about 10 s);
#  2. the small Linux kernel of the kit with an ext4 root on a virtio-blk disk (a few seconds to a few
#     minutes; building the kernel the first time takes 5-16 min, in demo.sh);
#  3. with -StockKernel: Debian's stock cloud kernel, as far as it gets under this host's KVM (about
#     8 min to 'Run /init' on a PVM host, longer on a busy one).
# A boot that takes longer than its limit is reported with the last console line it reached; it does
# not fail the demo. Progress (the boot's last console line) is printed every -ProgressSec seconds.
param(
    [switch] $SkipLinux,
    [switch] $StockKernel,
    [int] $LinuxTimeoutSec = 600,
    [int] $StockKernelTimeoutSec = 1800,
    [int] $ProgressSec = 30
)
$ErrorActionPreference = 'Stop'
$root = Resolve-Path "$PSScriptRoot/.."
Import-Module "$root/out/PSVmm/PSVmm.psd1"
$work = Join-Path ([IO.Path]::GetTempPath()) "psvmm-demo"
New-Item -ItemType Directory -Force $work | Out-Null

# Waits for $Pattern on $Vm's console up to $TimeoutSec, printing how far the guest got every
# $ProgressSec seconds. True when the pattern came; false (with the last line) when the guest stopped
# or the time ran out.
function Wait-Boot($Vm, [string] $Pattern, [int] $TimeoutSec, [string] $Milestone) {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    while ($true) {
        $left = $TimeoutSec - [int]$clock.Elapsed.TotalSeconds
        $slice = [math]::Max(1, [math]::Min($ProgressSec, $left))
        if (Wait-Vm -Vm $Vm -Pattern $Pattern -TimeoutSec $slice -PassThru -ErrorAction SilentlyContinue) {
            Write-Host ("reached '{0}' after {1:0} s" -f $Milestone, $clock.Elapsed.TotalSeconds)
            return $true
        }
        $last = Get-VmConsole -Vm $Vm | Where-Object { $_ -match '\S' } | Select-Object -Last 1
        if ($Vm.State -ne 'Running' -or $clock.Elapsed.TotalSeconds -ge $TimeoutSec) {
            Write-Host ("did not reach '{0}' within {1:0} s (the VM is {2}); the guest got as far as: {3}" -f $Milestone, $clock.Elapsed.TotalSeconds, $Vm.State, $last) -ForegroundColor Yellow
            return $false
        }
        Write-Host ("  {0,4:0} s: {1}" -f $clock.Elapsed.TotalSeconds, $last)
    }
}

Write-Host "`n== 1. Probe guest driving a virtio-blk-pci disk (1 MiB image, 2 queues, split then packed ring)" -ForegroundColor Cyan
$img = Join-Path $work probe-disk.img
$null = New-VmDiskImage -Path $img -SizeBytes 1MB -Force
# blk.hold: after its requests on each ring the probe keeps the device up until it reads a console
# line, so the device cmdlets show the live state; idle: at the end it waits for Stop-Vm.
$probe = New-VmConfig -Name demo-probe -Kernel "$root/out/guest/probe.elf" -MemoryMB 64 `
        -KernelArgs 'blk blk.queues=2 blk.ring=both blk.seed=7 ecam=0xE0000000 blk.hold idle' |
    Add-VirtioBlkPci -Path $img -Serial DEMO0001 -NumQueues 2 |
    Start-Vm -PassThru
Wait-Vm -Vm $probe -Pattern '^probe: blk hold split' -TimeoutSec 120
Write-Host "The probe's driver has the disk up on split rings; the device as it is now:"
Get-VmPciDevice -Vm $probe | Format-Table | Out-Host
Get-VmVirtioDevice -Vm $probe | Format-List | Out-Host
Get-VmMsixTable -Vm $probe | Format-Table | Out-Host
Get-VmVirtqueue -Vm $probe | Format-Table | Out-Host
Send-VmConsole -Vm $probe ''
Wait-Vm -Vm $probe -Pattern '^probe: blk hold packed' -TimeoutSec 120
Write-Host "The same disk, reset and set up again on packed rings:"
Get-VmVirtqueue -Vm $probe | Format-Table Index, Format, Size, Enabled, Vector, NextAvail, UsedIdx, UsedWrapCounter, Notifications, Interrupts | Out-Host
Send-VmConsole -Vm $probe ''
Wait-Vm -Vm $probe -Pattern '^probe: idle' -TimeoutSec 120
Get-VmConsole -Vm $probe | Where-Object { $_ -match 'probe: (boot|pio|mmio|msi|int3|blk (serial|features|queue|done)|done)' } | Out-Host
Get-VmBlockStatistic -Vm $probe | Format-List | Out-Host
Get-VmEvent -Vm $probe | Out-Host     # the requests the probe got refused on purpose
Stop-Vm -Vm $probe
Write-Host "exit code $($probe.ExitCode); image check:"
& python3 "$root/tests/guest/host/check-disk.py" $img --seed 7
Remove-Vm -Vm $probe -Force

if ($SkipLinux) { return }

Write-Host "`n== 2. Small Linux kernel (virtio built in) with an ext4 root on virtio-blk-pci" -ForegroundColor Cyan
$kitDir = & "$root/tests/linux-kit/build-small-kernel.sh"
$kernel = (Get-Content "$kitDir/small-kernel.env" | ConvertFrom-StringData).SMALL_VMLINUX
$rootImg = Join-Path $work root.img
$null = New-VmDiskImage -Path $rootImg -SizeBytes 64MB -FileSystem ext4 -Label psvmm-root -Force
$linux = New-VmConfig -Name demo-linux -Kernel $kernel -MemoryMB 256 -KernelArgs 'console=ttyS0 root=/dev/vda rw' |
    Add-VirtioBlkPci -Path $rootImg -Serial ROOT0001 | Start-Vm -PassThru
Write-Host "kernel command line: $($linux.EffectiveKernelArgs)"
$null = Wait-Boot $linux 'Run /sbin/init|Kernel panic' $LinuxTimeoutSec 'Run /sbin/init'
Get-VmConsole -Vm $linux | Where-Object { $_ -match 'Linux version|Command line|virtio|vda|EXT4|VFS|Power Button|PM: \(supports|Run /' } | Out-Host
if ($linux.State -eq 'Running') { Get-VmMsixTable -Vm $linux | Format-Table | Out-Host }
Stop-Vm -Vm $linux -TurnOff -Force
& dumpe2fs -h $rootImg 2>$null | Select-String 'Mount count|Last mount time' | Out-Host
Remove-Vm -Vm $linux -Force

if (-not $StockKernel) {
    Write-Host "`n(3. Debian's stock cloud kernel: run ./demo.sh -StockKernel; it takes about 8 min on a PVM host.)" -ForegroundColor Cyan
    return
}

Write-Host "`n== 3. Debian's stock cloud kernel (bzImage's vmlinux, kit initramfs)" -ForegroundColor Cyan
$kit = Get-Content /var/cache/psvmm/linux-kit/kit.env | ConvertFrom-StringData
$stock = New-VmConfig -Name demo-stock -Kernel $kit.KIT_VMLINUX -Initrd $kit.KIT_INITRAMFS -MemoryMB 256 -KernelArgs 'console=ttyS0' |
    Start-Vm -PassThru
$null = Wait-Boot $stock 'Run /init|Kernel panic' $StockKernelTimeoutSec 'Run /init'
Get-VmConsole -Vm $stock -Tail 15 | Out-Host
Get-Vm -Vm $stock | Format-Table | Out-Host
Remove-Vm -Vm $stock -Force
