# The virtio-blk request path without KVM (bench/device-model): a driver in the benchmark process
# notifies the virtio-pci transport as an ioeventfd would, the request engine serves the queue on
# its IoThread through io_uring on an O_DIRECT image, and the driver polls the used ring. 4 KiB
# random reads at queue depth 1 and 32; median of -Runs runs. It runs on any host (no /dev/kvm
# needed), so it is the figure to compare across engine changes where bench/blk cannot run.
# -Limits instead checks the I/O limits at queue depth 32: an IOPS limit, a bandwidth limit, a
# burst, and a limit changed while requests run (what Set-VirtioBlkPci does on a running VM).
# -Fairness prints a quiet disk's QD1 latency alone, next to a neighbour flooding at depth 32 on the
# same IoThread, and with the neighbour on its own IoThread (goal: at most 2x alone); median of -Runs.
# Run: bench/run.sh device-model [-Runs 5] [-Seconds 3] [-Depths 1,32] [-AllocationProfile] | bench/run.sh device-model -Limits
#      | bench/run.sh device-model -Fairness [-Runs 3] [-Seconds 3]
param(
    [int] $Runs = 5,
    [double] $Seconds = 3,
    [string] $Depths = '1,32',
    [switch] $AllocationProfile,
    [switch] $Limits,
    [switch] $Fairness
)
$ErrorActionPreference = 'Stop'
$root = Resolve-Path "$PSScriptRoot/.."
& dotnet build "$root/bench/device-model/DeviceModelBench.csproj" -c Release -v q -nologo | Out-Null
if ($LASTEXITCODE -ne 0) { throw 'building bench/device-model failed' }
$image = Join-Path ([IO.Path]::GetTempPath()) "psvmm-bench-device-$PID.img"
# Real data, not a sparse file: O_DIRECT reads of holes never reach the disk.
& dd if=/dev/urandom of=$image bs=1M count=256 status=none
$neighbour = Join-Path ([IO.Path]::GetTempPath()) "psvmm-bench-neighbour-$PID.img"
try {
    $bench = "$root/bench/device-model/bin/Release/net10.0/DeviceModelBench.dll"
    if ($Limits) { & dotnet $bench --image $image --limits 1 }
    elseif ($Fairness) {
        & dd if=/dev/urandom of=$neighbour bs=1M count=256 status=none
        $runs = if ($PSBoundParameters.ContainsKey('Runs')) { $Runs } else { 3 }
        & dotnet $bench --image $image --fairness $neighbour --runs $runs --seconds $Seconds
    }
    elseif ($AllocationProfile) { & dotnet $bench --image $image --runs $Runs --seconds $Seconds --depths $Depths --alloc-profile 1 }
    else { & dotnet $bench --image $image --runs $Runs --seconds $Seconds --depths $Depths }
}
finally {
    Remove-Item $image, $neighbour -ErrorAction SilentlyContinue
}
