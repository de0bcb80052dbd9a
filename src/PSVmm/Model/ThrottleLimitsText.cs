using System.Globalization;
using PSVmm.Engine.Devices.Block.Throttle;

namespace PSVmm.Model;

/// <summary>Limits in a line, for Get-VmBlockStatistic and -WhatIf: "none", or e.g. "read 100 IOPS (burst 500 for 3 s), 1048576 B/s".</summary>
internal static class ThrottleLimitsText
{
    public static string Format(ThrottleLimits limits)
    {
        var parts = new List<string>();
        Add(parts, "", limits.TotalIops, "IOPS");
        Add(parts, "read ", limits.ReadIops, "IOPS");
        Add(parts, "write ", limits.WriteIops, "IOPS");
        Add(parts, "", limits.TotalBytesPerSecond, "B/s");
        Add(parts, "read ", limits.ReadBytesPerSecond, "B/s");
        Add(parts, "write ", limits.WriteBytesPerSecond, "B/s");
        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }

    private static void Add(List<string> parts, string direction, ThrottleRate rate, string unit)
    {
        if (rate.IsUnlimited)
            return;

        string text = string.Create(CultureInfo.InvariantCulture, $"{direction}{rate.PerSecond} {unit}");
        if (rate.HasBurst)
            text += string.Create(CultureInfo.InvariantCulture, $" (burst {rate.BurstPerSecond} for {rate.EffectiveBurstSeconds} s)");
        parts.Add(text);
    }
}
