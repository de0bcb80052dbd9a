using System.Diagnostics;
using PSVmm.Engine.Devices.Block.Throttle;
using PSVmm.Engine.Memory;

namespace PSVmm.Bench.DeviceModel;

/// <summary>
/// Does a configured limit hold? 4 KiB random reads at queue depth 32 against an IOPS limit, a
/// bandwidth limit, an IOPS limit with a burst, and an IOPS limit changed while requests run.
/// Rates are counted per 100 ms window of completions.
/// </summary>
internal static class LimitChecks
{
    private const int Depth = 32;
    private const ushort QueueSize = 256;
    private const uint RequestBytes = 4096;

    public static void Run(string image)
    {
        ulong sectors = (ulong)new FileInfo(image).Length / 512;
        Console.WriteLine("check                                    measured     goal     ratio");

        var iops = Measure(image, sectors, Limits(iops: new ThrottleRate(2000)), seconds: 6);
        Report("IOPS limit 2000, steady (2-6 s)", iops.Rate(2, 6), 2000);

        var bytes = Measure(image, sectors, new ThrottleLimits { TotalBytesPerSecond = new ThrottleRate(4 << 20) }, seconds: 6);
        Report("bandwidth limit 4096 KiB/s, steady (KiB/s)", bytes.Rate(2, 6) * RequestBytes / 1024, 4096);

        var burst = Measure(image, sectors, Limits(iops: new ThrottleRate(500, BurstPerSecond: 2000, BurstSeconds: 2)), seconds: 7);
        Report("burst 2000/s for 2 s, first 1.5 s", burst.Rate(0, 1.5), 2000);
        Report("burst over, rate 500 (4-7 s)", burst.Rate(4, 7), 500);

        var live = Measure(image, sectors, Limits(iops: new ThrottleRate(500)), seconds: 6,
            change: (3, Limits(iops: new ThrottleRate(1500))));
        Report("live change 500 -> 1500 at 3 s: before (2-3 s)", live.Rate(2, 3), 500);
        Report("live change: after (3.2-6 s)", live.Rate(3.2, 6), 1500);
        double effective = live.FirstWindowAtLeast(3, 1500 * 0.95);
        Console.WriteLine($"{"live change: 1500/s reached after (ms)",-40} {(effective - 3) * 1000,8:F0}    <= 100");
    }

    private static ThrottleLimits Limits(ThrottleRate iops) => new() { TotalIops = iops };

    private static void Report(string check, double measured, double goal) =>
        Console.WriteLine($"{check,-40} {measured,8:F0} {goal,8:F0}  {measured / goal,8:F3}");

    private static Completions Measure(string image, ulong sectors, ThrottleLimits limits, double seconds,
        (double At, ThrottleLimits Limits)? change = null)
    {
        using var memory = new GuestMemory([new GuestRegion(0, 64 << 20)]);
        using var disk = new DiskUnderTest(image, memory, QueueSize, limits);
        var driver = new SplitRingDriver(disk, QueueSize, RequestBytes);
        var random = new Random(7);
        ulong RandomSector() => (ulong)random.NextInt64((long)(sectors / 8)) * 8;
        var done = new List<double>(1 << 20);
        for (int slot = 0; slot < Depth; slot++)
            driver.Submit(slot, RandomSector());
        driver.Notify();
        long begin = Stopwatch.GetTimestamp();
        bool changed = change is null;
        long submitted = Depth, completed = 0;
        while (completed < submitted)
        {
            double now = Stopwatch.GetElapsedTime(begin).TotalSeconds;
            if (!changed && now >= change!.Value.At)
            {
                disk.UpdateLimits(change.Value.Limits);
                changed = true;
            }
            int slot = driver.TryComplete();
            if (slot < 0)
            {
                Thread.Sleep(0);
                continue;
            }
            completed++;
            done.Add(now);
            if (now < seconds)
            {
                driver.Submit(slot, RandomSector());
                submitted++;
                driver.Notify();
            }
        }
        return new Completions(done);
    }

    private sealed record Completions(List<double> Times)
    {
        public double Rate(double from, double to) => Times.Count(t => t >= from && t < to) / (to - from);

        /// <summary>The start of the first 100 ms window after <paramref name="from"/> whose rate is at least <paramref name="rate"/>.</summary>
        public double FirstWindowAtLeast(double from, double rate)
        {
            for (double t = from; t < Times[^1]; t += 0.01)
            {
                if (Rate(t, t + 0.1) >= rate)
                    return t;
            }
            return double.NaN;
        }
    }
}
