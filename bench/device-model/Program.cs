using System.Globalization;
using PSVmm.Bench.DeviceModel;
using PSVmm.Engine.Memory;

// The virtio-blk request path without KVM: driver notify → transport → IoThread → request engine →
// io_uring on an O_DIRECT image → used ring, polled by the driver. 4 KiB random reads at each
// queue depth; per depth the median of --runs runs of --seconds each.
// Usage: DeviceModelBench --image PATH [--seconds 3] [--runs 5] [--depths 1,32] [--alloc-profile 1] | --image PATH --limits 1
//        | --image PATH --fairness NEIGHBOUR_IMAGE [--seconds 3] [--runs 3]
var options = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--")).ToDictionary(p => p.a[2..], p => args[p.i + 1]);
string image = options["image"];
if (options.ContainsKey("limits"))
{
    LimitChecks.Run(image);
    return;
}
if (options.TryGetValue("fairness", out string? neighbourImage))
{
    FairnessCheck.Run(image, neighbourImage, double.Parse(options.GetValueOrDefault("seconds", "3"), CultureInfo.InvariantCulture),
        int.Parse(options.GetValueOrDefault("runs", "3"), CultureInfo.InvariantCulture));
    return;
}
double seconds = double.Parse(options.GetValueOrDefault("seconds", "3"), CultureInfo.InvariantCulture);
int runs = int.Parse(options.GetValueOrDefault("runs", "5"), CultureInfo.InvariantCulture);
int[] depths = options.GetValueOrDefault("depths", "1,32").Split(',').Select(int.Parse).ToArray();
const uint RequestBytes = 4096;
const ushort QueueSize = 256;

ulong sectors = (ulong)new FileInfo(image).Length / 512;
using var sampler = options.ContainsKey("alloc-profile") ? new AllocationSampler() : null;
Console.WriteLine("depth run  iops      p50_us  p99_us  alloc_B_per_req");
foreach (int depth in depths)
{
    var results = new List<(double Iops, double P50, double P99, double AllocatedPerRequest)>();
    for (int run = 0; run < runs; run++)
    {
        using var memory = new GuestMemory([new GuestRegion(0, 64 << 20)]);
        using var disk = new DiskUnderTest(image, memory, QueueSize);
        var driver = new SplitRingDriver(disk, QueueSize, RequestBytes);
        if (depth > driver.MaxDepth)
            throw new ArgumentException($"depth {depth} is more than {driver.MaxDepth} with a queue of {QueueSize}");
        results.Add(ReadLoad.Measure(driver, depth, sectors, seconds));
        var r = results[^1];
        Console.WriteLine($"{depth,5} {run,3}  {r.Iops,8:F0}  {r.P50,6:F1}  {r.P99,6:F1}  {r.AllocatedPerRequest,8:F0}");
    }
    var iops = ReadLoad.Median(results.Select(r => r.Iops));
    foreach (var (type, bytes) in sampler?.Top(12) ?? [])
        Console.WriteLine($"  allocated ~{bytes / 1024,8} KiB  {type}");
    Console.WriteLine($"result depth={depth} iops={iops:F0} p50_us={ReadLoad.Median(results.Select(r => r.P50)):F1} p99_us={ReadLoad.Median(results.Select(r => r.P99)):F1} alloc_B_per_req={ReadLoad.Median(results.Select(r => r.AllocatedPerRequest)):F0}");
}
