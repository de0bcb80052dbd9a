namespace PSVmm.Engine.Devices.Block.Throttle;

public sealed partial record ThrottleLimits
{
    /// <summary>The largest rate or burst (QEMU's THROTTLE_VALUE_MAX).</summary>
    public const double MaxValue = 1e15;

    /// <summary>The longest burst, in seconds.</summary>
    public const double MaxBurstSeconds = 86_400;

    /// <summary>
    /// Every problem with these limits, as sentences for the user naming the Add-VirtioBlkPci /
    /// Set-VirtioBlkPci parameters; empty when valid. QEMU's rules (throttle_is_valid): no
    /// negative or huge values, a burst at least the rate and only with a rate, a burst length
    /// only with a burst, and a total limit excludes read/write limits of the same kind.
    /// </summary>
    public IReadOnlyList<string> Validate(string diskId)
    {
        var errors = new List<string>();
        Check(errors, diskId, "MaximumIops", TotalIops);
        Check(errors, diskId, "MaximumReadIops", ReadIops);
        Check(errors, diskId, "MaximumWriteIops", WriteIops);
        Check(errors, diskId, "MaximumBytesPerSecond", TotalBytesPerSecond);
        Check(errors, diskId, "MaximumReadBytesPerSecond", ReadBytesPerSecond);
        Check(errors, diskId, "MaximumWriteBytesPerSecond", WriteBytesPerSecond);

        if (TotalIops.PerSecond > 0 && (ReadIops.PerSecond > 0 || WriteIops.PerSecond > 0))
        {
            errors.Add($"Disk '{diskId}': -MaximumIops (all requests) and -MaximumReadIops/-MaximumWriteIops cannot both be set. "
                + "Limit the total, or reads and writes separately (set the others to 0).");
        }

        if (TotalBytesPerSecond.PerSecond > 0 && (ReadBytesPerSecond.PerSecond > 0 || WriteBytesPerSecond.PerSecond > 0))
        {
            errors.Add($"Disk '{diskId}': -MaximumBytesPerSecond (all requests) and -MaximumReadBytesPerSecond/-MaximumWriteBytesPerSecond cannot both be set. "
                + "Limit the total, or reads and writes separately (set the others to 0).");
        }

        return errors;
    }

    private static void Check(List<string> errors, string diskId, string name, ThrottleRate rate)
    {
        string burst = name + "Burst", seconds = name + "BurstSeconds";
        foreach (var (what, value) in new[] { (name, rate.PerSecond), (burst, rate.BurstPerSecond), (seconds, rate.BurstSeconds) })
        {
            if (double.IsNaN(value) || value < 0)
                errors.Add($"Disk '{diskId}': -{what} is {value}; it cannot be negative (0 means no limit).");
            else if (value > (what == seconds ? MaxBurstSeconds : MaxValue))
                errors.Add($"Disk '{diskId}': -{what} is {value}; use at most {(what == seconds ? MaxBurstSeconds : MaxValue)}.");
        }

        if (rate.BurstPerSecond > 0 && rate.PerSecond <= 0)
            errors.Add($"Disk '{diskId}': -{burst} needs -{name}: a burst is a faster rate allowed for a while on top of a limit. Set -{name} too.");
        else if (rate.BurstPerSecond > 0 && rate.BurstPerSecond < rate.PerSecond)
            errors.Add($"Disk '{diskId}': -{burst} {rate.BurstPerSecond} is below -{name} {rate.PerSecond}; a burst rate must be at least the rate (or 0 for no burst).");

        if (rate.BurstSeconds > 0 && rate.BurstPerSecond <= 0)
            errors.Add($"Disk '{diskId}': -{seconds} needs -{burst}: it says how long the burst rate may last. Set -{burst} too, or leave -{seconds} out.");
    }
}
