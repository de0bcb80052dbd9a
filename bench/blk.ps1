# virtio-blk request latency: the probe guest's timed loop of 4 KiB reads, one request at a time,
# each completed by its MSI-X interrupt (tests/guest, `blk.iters`), on a split and on a packed
# ring; PSVmm's virtio-blk-pci beside QEMU 7.2's virtio-blk-pci (-enable-kvm, modern only, one
# queue) with the same probe.elf and image in the same run. QEMU's arguments come from
# ConvertTo-QemuCommandLine for the same VmConfig, in two set-ups, each row printed:
# - default: the disk as PSVmm's defaults describe it (host page cache) and QEMU's defaults for
#   the rest (aio=threads, no iothread), against PSVmm with the same disk; the line also carries
#   detect-zeroes=unmap for PSVmm's write-zeroes mode, which costs QEMU only on writes;
# - fastest: ConvertTo-QemuCommandLine -Fastest: an iothread, cache=none (O_DIRECT) and
#   aio=io_uring, and again with aio=native, against PSVmm with -Cache None.
# Runs interleave (PSVmm, QEMU, PSVmm, ...) so drift hits both. The probe measures in guest TSC
# cycles; microseconds use the host's nominal TSC rate. Median of -Runs boots each.
# Run: bench/run.sh blk [-Runs 5] [-Iterations 20000]. Compare ratios (PLATFORM.md: load moves absolute times).
param(
    [int] $Runs = 5,
    [int] $Iterations = 20000,
    [string] $QemuCpu = $(if ($env:PSVMM_QEMU_CPU) { $env:PSVMM_QEMU_CPU } else { 'host,-arch-capabilities' })
)
$ErrorActionPreference = 'Stop'
$root = Resolve-Path "$PSScriptRoot/.."
$probe = "$root/out/guest/probe.elf"
Import-Module "$root/out/PSVmm/PSVmm.psd1"

$image = Join-Path ([IO.Path]::GetTempPath()) "psvmm-bench-blk-$PID.img"
& truncate -s 64M $image
$probeArgs = "pio=1 mmio=1 msi=1 int3=1 blk blk.iters=$Iterations"
$statPattern = '^probe: stat blk_read_4k_cycles=(\d+)'

function Get-Median([double[]] $Values) {
    $s = $Values | Sort-Object
    if ($s.Count % 2) { $s[[int][math]::Floor($s.Count / 2)] } else { ($s[$s.Count / 2 - 1] + $s[$s.Count / 2]) / 2 }
}
function Get-Cycles([string[]] $Lines, [string] $Who) {
    $hit = @($Lines -match $statPattern)
    if ($hit.Count -ne 1 -or -not ($Lines -match '^probe: blk done passed=\d+ failed=0$')) {
        throw "$Who`: the probe did not finish its blk tests: $(($Lines | Select-Object -Last 5) -join ' | ')"
    }
    $null = $hit[0] -match $statPattern
    [double]$Matches[1]
}

# The probe's VM with its one disk; $Cache None for the O_DIRECT rows.
function New-BenchConfig([string] $Ring, [string] $Cache) {
    New-VmConfig -Name "bench-blk-$Ring" -Kernel $probe -MemoryMB 64 -KernelArgs "$probeArgs blk.ring=$Ring" |
        Add-VirtioBlkPci -Path $image -NumQueues 1 -Cache $Cache
}

function Measure-PSVmm([string] $Ring, [string] $Cache) {
    $vm = New-BenchConfig $Ring $Cache | Start-Vm -PassThru
    Wait-Vm -Vm $vm -For Exit -TimeoutSec 600
    $lines = @(Get-VmConsole -Vm $vm)
    Remove-Vm -Vm $vm -Force
    Get-Cycles $lines "PSVmm ($Ring, cache $Cache)"
}

# The probe's tests need QEMU's debug-exit port (its exit code) and the edu device (its PCI tests).
function Measure-Qemu([string] $Ring, [string] $Cache, [hashtable] $Conversion, [string] $Label) {
    $qemuArgs = @(ConvertTo-QemuCommandLine (New-BenchConfig $Ring $Cache) -Cpu $QemuCpu @Conversion) +
        @('-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-device', 'edu')
    $lines = @(& timeout 600 qemu-system-x86_64 @qemuArgs 2>&1)
    Get-Cycles $lines "QEMU $Label ($Ring)"
}

$setups = @(
    @{ Label = 'default'; Cache = 'Writeback'; Conversion = @{} }
    @{ Label = 'fastest, aio=io_uring'; Cache = 'None'; Conversion = @{ Fastest = $true; Aio = 'IoUring' } }
    @{ Label = 'fastest, aio=native'; Cache = 'None'; Conversion = @{ Fastest = $true; Aio = 'Native' } }
)
$tscMHz = [double]((Get-Content /proc/cpuinfo | Where-Object { $_ -like 'cpu MHz*' } | Select-Object -First 1) -replace '^[^:]*:\s*', '')
$rows = foreach ($ring in 'split', 'packed') {
    foreach ($setup in $setups) {
        $ours = @(); $theirs = @()
        for ($i = 0; $i -lt $Runs; $i++) {
            $ours += Measure-PSVmm $ring $setup.Cache
            $theirs += Measure-Qemu $ring $setup.Cache $setup.Conversion $setup.Label
        }
        $p = Get-Median $ours; $q = Get-Median $theirs
        [pscustomobject]@{
            Measure = "4 KiB read, $ring ring, QEMU $($setup.Label) (cycles, median of $Runs)"
            PSVmm = [math]::Round($p); QEMU = [math]::Round($q); Ratio = [math]::Round($p / $q, 2)
            'PSVmm us' = [math]::Round($p / $tscMHz, 1); 'QEMU us' = [math]::Round($q / $tscMHz, 1)
        }
    }
}
Remove-Item $image
"blk: $Iterations reads per boot; TSC $tscMHz MHz (host nominal)"
$rows | Format-Table -AutoSize | Out-String -Width 200
