using PSVmm.Engine.IoThreads;
using PSVmm.Engine.Memory;

namespace PSVmm.Bench.DeviceModel;

/// <summary>
/// Fairness between disks (issue 9 §2): a quiet disk's QD1 4 KiB random-read latency alone,
/// next to a neighbour flooding its own queue at depth 32 on the same IoThread, and with the
/// neighbour on an IoThread of its own. Goal: the quiet disk's latency at most twice its latency
/// alone. Each disk has its own image, guest memory and driver thread.
/// </summary>
internal static class FairnessCheck
{
    private const ushort QueueSize = 256;
    private const uint RequestBytes = 4096;
    private const int FloodDepth = 32;
    private const double Goal = 2.0;

    private enum Neighbour
    {
        None,
        SharedIoThread,
        OwnIoThread,
    }

    public static void Run(string quietImage, string floodImage, double seconds, int runs)
    {
        Console.WriteLine("quiet disk, QD1 4 KiB reads          p50_us  p99_us  p50/alone p99/alone  goal  neighbour_iops");
        var results = new Dictionary<Neighbour, (double P50, double P99, double NeighbourIops)>();
        foreach (var neighbour in Enum.GetValues<Neighbour>())
        {
            var samples = Enumerable.Range(0, runs).Select(_ => Measure(quietImage, floodImage, neighbour, seconds)).ToList();
            results[neighbour] = (ReadLoad.Median(samples.Select(s => s.P50)), ReadLoad.Median(samples.Select(s => s.P99)), ReadLoad.Median(samples.Select(s => s.NeighbourIops)));
        }

        var alone = results[Neighbour.None];
        foreach (var (neighbour, r) in results)
        {
            string name = neighbour switch
            {
                Neighbour.None => "alone",
                Neighbour.SharedIoThread => "flooding neighbour, shared IoThread",
                _ => "flooding neighbour, own IoThread",
            };
            Console.WriteLine($"{name,-36} {r.P50,7:F1} {r.P99,7:F1}  {r.P50 / alone.P50,9:F2} {r.P99 / alone.P99,9:F2}  {Goal,4:F1}  {r.NeighbourIops,14:F0}");
        }
    }

    private static (double P50, double P99, double NeighbourIops) Measure(string quietImage, string floodImage, Neighbour neighbour, double seconds)
    {
        using var quietThread = new IoThread("quiet");
        using var floodThread = neighbour == Neighbour.OwnIoThread ? new IoThread("flood") : null;
        using var quietMemory = new GuestMemory([new GuestRegion(0, 64 << 20)]);
        using var floodMemory = new GuestMemory([new GuestRegion(0, 64 << 20)]);
        using var quiet = new DiskUnderTest(quietImage, quietMemory, QueueSize, ioThread: quietThread);
        using var flood = neighbour == Neighbour.None ? null
            : new DiskUnderTest(floodImage, floodMemory, QueueSize, ioThread: floodThread ?? quietThread);

        double floodIops = 0;
        Thread? flooder = null;
        if (flood is not null)
        {
            var floodDriver = new SplitRingDriver(flood, QueueSize, RequestBytes);
            ulong floodSectors = (ulong)new FileInfo(floodImage).Length / 512;
            // The flood starts first and outlasts the quiet disk's measurement.
            flooder = new Thread(() => floodIops = ReadLoad.Measure(floodDriver, FloodDepth, floodSectors, seconds + 1).Iops) { Name = "flood driver" };
            flooder.Start();
            Thread.Sleep(300);
        }

        var quietDriver = new SplitRingDriver(quiet, QueueSize, RequestBytes);
        var result = ReadLoad.Measure(quietDriver, 1, (ulong)new FileInfo(quietImage).Length / 512, seconds);
        flooder?.Join();
        return (result.P50, result.P99, floodIops);
    }
}
