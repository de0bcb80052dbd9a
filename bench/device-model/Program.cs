using System.Diagnostics;
using System.Globalization;
using PSVmm.Bench.DeviceModel;
using PSVmm.Engine.Memory;

// The virtio-blk request path without KVM: driver notify → transport → IoThread → request engine →
// io_uring on an O_DIRECT image → used ring, polled by the driver. 4 KiB random reads at each
// queue depth; per depth the median of --runs runs of --seconds each.
// Usage: DeviceModelBench --image PATH [--seconds 3] [--runs 5] [--depths 1,32] [--alloc-profile 1] | --image PATH --limits 1
var options = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--")).ToDictionary(p => p.a[2..], p => args[p.i + 1]);
string image = options["image"];
if (options.ContainsKey("limits"))
{
    LimitChecks.Run(image);
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
        results.Add(Measure(driver, depth, sectors, seconds));
        var r = results[^1];
        Console.WriteLine($"{depth,5} {run,3}  {r.Iops,8:F0}  {r.P50,6:F1}  {r.P99,6:F1}  {r.AllocatedPerRequest,8:F0}");
    }
    var iops = Median(results.Select(r => r.Iops));
    foreach (var (type, bytes) in sampler?.Top(12) ?? [])
        Console.WriteLine($"  allocated ~{bytes / 1024,8} KiB  {type}");
    Console.WriteLine($"result depth={depth} iops={iops:F0} p50_us={Median(results.Select(r => r.P50)):F1} p99_us={Median(results.Select(r => r.P99)):F1} alloc_B_per_req={Median(results.Select(r => r.AllocatedPerRequest)):F0}");
}

static (double Iops, double P50, double P99, double AllocatedPerRequest) Measure(SplitRingDriver driver, int depth, ulong sectors, double seconds)
{
    var random = new Random(42);
    var started = new long[depth];
    var latencies = new List<long>(1 << 20);
    ulong RandomSector() => (ulong)random.NextInt64((long)(sectors / 8)) * 8;
    long submitted = 0, completed = 0;
    long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
    for (int slot = 0; slot < depth; slot++, submitted++)
    {
        started[slot] = Stopwatch.GetTimestamp();
        driver.Submit(slot, RandomSector());
    }
    driver.Notify();
    long begin = Stopwatch.GetTimestamp();
    long deadline = begin + (long)(seconds * Stopwatch.Frequency);
    // Submissions stop at the deadline; the run ends when every submitted request came back.
    while (completed < submitted)
    {
        int slot = driver.TryComplete();
        if (slot < 0)
        {
            Thread.SpinWait(20);
            continue;
        }
        long now = Stopwatch.GetTimestamp();
        latencies.Add(now - started[slot]);
        completed++;
        if (now < deadline)
        {
            started[slot] = now;
            driver.Submit(slot, RandomSector());
            submitted++;
            driver.Notify();
        }
    }
    double elapsed = (double)(Stopwatch.GetTimestamp() - begin) / Stopwatch.Frequency;
    // Every thread's managed allocations (the engine's IoThread included) per completed request.
    double allocated = (double)(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / completed;
    latencies.Sort();
    double Us(long ticks) => ticks * 1e6 / Stopwatch.Frequency;
    return (completed / elapsed, Us(latencies[latencies.Count / 2]), Us(latencies[(int)(latencies.Count * 0.99)]), allocated);
}

static double Median(IEnumerable<double> values)
{
    var s = values.Order().ToArray();
    return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
}
