using PSVmm.Engine.Devices.Block.Throttle;
using PSVmm.Engine.Machine;

namespace PSVmm.Engine.Qemu;

/// <summary>
/// A disk's I/O limits as -drive keys, both ways: QEMU's throttling.iops-total, -read, -write,
/// bps-* with their -max bursts and -max-length, and the older short names QEMU still reads
/// (iops, iops_rd, bps_wr, iops_max, ...; StratoVirt's iops= is the same total).
/// </summary>
internal static class QemuThrottleOptions
{
    private sealed record Limit(string Name, string ShortName, Func<ThrottleLimits, ThrottleRate> Get, Func<ThrottleLimits, ThrottleRate, ThrottleLimits> Set);

    private static readonly Limit[] Limits =
    [
        new("iops-total", "iops", l => l.TotalIops, (l, r) => l with { TotalIops = r }),
        new("iops-read", "iops_rd", l => l.ReadIops, (l, r) => l with { ReadIops = r }),
        new("iops-write", "iops_wr", l => l.WriteIops, (l, r) => l with { WriteIops = r }),
        new("bps-total", "bps", l => l.TotalBytesPerSecond, (l, r) => l with { TotalBytesPerSecond = r }),
        new("bps-read", "bps_rd", l => l.ReadBytesPerSecond, (l, r) => l with { ReadBytesPerSecond = r }),
        new("bps-write", "bps_wr", l => l.WriteBytesPerSecond, (l, r) => l with { WriteBytesPerSecond = r }),
    ];

    /// <summary>Takes every throttling key from <paramref name="drive"/>; a limit given under both its names is an error.</summary>
    public static ThrottleLimits Read(QemuOptionList drive, string text)
    {
        var limits = ThrottleLimits.None;
        foreach (var limit in Limits)
        {
            double rate = Take(drive, text, "throttling." + limit.Name, limit.ShortName);
            double burst = Take(drive, text, $"throttling.{limit.Name}-max", limit.ShortName + "_max");
            double seconds = Take(drive, text, $"throttling.{limit.Name}-max-length", limit.ShortName + "_max_length");
            if (rate != 0 || burst != 0 || seconds != 0)
                limits = limit.Set(limits, new ThrottleRate(rate, burst, seconds));
        }
        return limits;
    }

    /// <summary>The throttling.* keys of <paramref name="limits"/> (none for unlimited rates).</summary>
    public static IEnumerable<(string Key, string Value)> Write(ThrottleLimits limits)
    {
        foreach (var limit in Limits)
        {
            var rate = limit.Get(limits);
            if (rate.IsUnlimited)
                continue;
            yield return ("throttling." + limit.Name, QemuValues.FormatNumber(rate.PerSecond));
            if (rate.BurstPerSecond > 0)
                yield return ($"throttling.{limit.Name}-max", QemuValues.FormatNumber(rate.BurstPerSecond));
            if (rate.BurstSeconds > 0)
                yield return ($"throttling.{limit.Name}-max-length", QemuValues.FormatNumber(rate.BurstSeconds));
        }
    }

    private static double Take(QemuOptionList drive, string text, string key, string shortKey)
    {
        string? value = drive.Take(key);
        string? legacy = drive.Take(shortKey);
        if (value is not null && legacy is not null)
        {
            throw new VmException("ConflictingQemuOptions", VmErrorCategory.InvalidArgument,
                $"-drive {text}: {key}= and {shortKey}= are the same limit. Give one of them.");
        }
        return value is not null ? QemuValues.Number("-drive", key, value)
            : legacy is not null ? QemuValues.Number("-drive", shortKey, legacy)
            : 0;
    }
}
