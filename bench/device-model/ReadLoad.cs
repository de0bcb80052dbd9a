using System.Diagnostics;

namespace PSVmm.Bench.DeviceModel;

/// <summary>
/// 4 KiB random reads kept at a queue depth for a while: IOPS, latency percentiles and the
/// managed bytes allocated per request (every thread's, the IoThread's included).
/// </summary>
internal static class ReadLoad
{
    public static (double Iops, double P50, double P99, double AllocatedPerRequest) Measure(SplitRingDriver driver, int depth, ulong sectors, double seconds)
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

    public static double Median(IEnumerable<double> values)
    {
        var s = values.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
