# Issue 2 benchmark: Start-Vm to the probe guest's first serial line and to its exit (median of
# -Runs), beside the same probe.elf under QEMU (-enable-kvm, multiboot) in the same run; and the
# resident memory PSVmm adds to an idle pwsh, beside QEMU's RSS for the same idle guest.
# Run: bench/run.sh startup   (builds first). Compare ratios, not absolute times (PLATFORM.md).
param(
    [int] $Runs = 10,
    [string] $QemuCpu = $(if ($env:PSVMM_QEMU_CPU) { $env:PSVMM_QEMU_CPU } else { 'host,-arch-capabilities' })
)
$ErrorActionPreference = 'Stop'
$root = Resolve-Path "$PSScriptRoot/.."
$probe = "$root/out/guest/probe.elf"
function Get-RssKiB([int] $ProcessId) {
    [int]((Get-Content "/proc/$ProcessId/status" | Where-Object { $_ -like 'VmRSS:*' }) -replace '\D', '')
}
function Get-Median([double[]] $Values) {
    $s = $Values | Sort-Object
    if ($s.Count % 2) { $s[[int][math]::Floor($s.Count / 2)] } else { ($s[$s.Count / 2 - 1] + $s[$s.Count / 2]) / 2 }
}

$rssBefore = Get-RssKiB $PID
Import-Module "$root/out/PSVmm/PSVmm.psd1"
$rssModule = Get-RssKiB $PID

# PSVmm: Start-Vm -> first line, -> exit.
$first = @(); $exit = @()
for ($i = 0; $i -lt $Runs + 1; $i++) {
    $cfg = New-VmConfig -Name "bench-$i" -Kernel $probe -MemoryMB 64
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $vm = $cfg | Start-Vm -PassThru
    Wait-Vm -Vm $vm -For ConsolePattern -Pattern 'probe:' -TimeoutSec 30
    $t1 = $sw.Elapsed.TotalMilliseconds
    Wait-Vm -Vm $vm -For Exit -TimeoutSec 30
    $t2 = $sw.Elapsed.TotalMilliseconds
    if ($vm.ExitCode -ne 0) { throw "probe failed in run ${i}: $(Get-VmConsole -Vm $vm -Raw)" }
    Remove-Vm -Vm $vm -Force
    if ($i -gt 0) { $first += $t1; $exit += $t2 }   # run 0 warms the JIT
}

# PSVmm idle guest RSS (what a running VM adds to this pwsh).
$idle = New-VmConfig -Name bench-idle -Kernel $probe -MemoryMB 64 -KernelArgs idle | Start-Vm -PassThru
Wait-Vm -Vm $idle -For ConsolePattern -Pattern 'probe: done' -TimeoutSec 30
$rssVm = Get-RssKiB $PID
Stop-Vm -Vm $idle -TurnOff -Force
Remove-Vm -Vm $idle -Force

# QEMU with the same binary and the same configuration, written by ConvertTo-QemuCommandLine;
# the probe ends its run through QEMU's debug-exit port.
$debugExit = @('-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04')
function Get-QemuArgs([string] $KernelArgs) {
    @(ConvertTo-QemuCommandLine (New-VmConfig -Name bench-qemu -Kernel $probe -MemoryMB 64 -KernelArgs $KernelArgs) -Cpu $QemuCpu) + $debugExit
}
$runArgs = Get-QemuArgs ''
$idleArgs = Get-QemuArgs 'idle'
function Start-Qemu([string[]] $Arguments) {
    $psi = [Diagnostics.ProcessStartInfo]::new('qemu-system-x86_64')
    foreach ($a in $Arguments) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.UseShellExecute = $false
    [Diagnostics.Process]::Start($psi)
}
$qFirst = @(); $qExit = @()
for ($i = 0; $i -lt $Runs + 1; $i++) {
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $p = Start-Qemu $runArgs
    while (($line = $p.StandardOutput.ReadLine()) -ne $null -and $line -notlike '*probe:*') { }
    $t1 = $sw.Elapsed.TotalMilliseconds
    $null = $p.StandardOutput.ReadToEnd()
    $p.WaitForExit()
    $t2 = $sw.Elapsed.TotalMilliseconds
    if ($i -gt 0) { $qFirst += $t1; $qExit += $t2 }
}
$p = Start-Qemu $idleArgs
while (($line = $p.StandardOutput.ReadLine()) -ne $null -and $line -notlike '*probe: done*') { }
$qemuRss = Get-RssKiB $p.Id
$p.Kill(); $p.WaitForExit()

$rows = @(
    [pscustomobject]@{ Measure = 'Start-Vm to first serial line (ms, median)'; PSVmm = [math]::Round((Get-Median $first), 1); QEMU = [math]::Round((Get-Median $qFirst), 1) }
    [pscustomobject]@{ Measure = 'Start-Vm to guest exit (ms, median)'; PSVmm = [math]::Round((Get-Median $exit), 1); QEMU = [math]::Round((Get-Median $qExit), 1) }
    [pscustomobject]@{ Measure = 'RSS of the running VM (MiB; PSVmm: added to idle pwsh)'; PSVmm = [math]::Round(($rssVm - $rssBefore) / 1024, 1); QEMU = [math]::Round($qemuRss / 1024, 1) }
    [pscustomobject]@{ Measure = 'RSS the loaded module adds to pwsh (MiB)'; PSVmm = [math]::Round(($rssModule - $rssBefore) / 1024, 1); QEMU = $null }
)
foreach ($r in $rows) { $r | Add-Member Ratio $(if ($r.QEMU) { [math]::Round($r.PSVmm / $r.QEMU, 2) }) }
$rows | Format-Table -AutoSize | Out-String -Width 200
