namespace PSVmm.Engine.Devices.Block.Throttle;

/// <summary>
/// I/O limits of one disk: totals over every request, plus optional per-direction limits
/// (the model of QEMU's throttling.iops-total/-read/-write and bps-*). Unset means unlimited.
/// </summary>
public sealed record ThrottleLimits
{
    public ThrottleRate TotalIops { get; init; }
    public ThrottleRate TotalBytesPerSecond { get; init; }
    public ThrottleRate ReadIops { get; init; }
    public ThrottleRate ReadBytesPerSecond { get; init; }
    public ThrottleRate WriteIops { get; init; }
    public ThrottleRate WriteBytesPerSecond { get; init; }

    public static ThrottleLimits None { get; } = new();

    public bool IsUnlimited =>
        TotalIops.IsUnlimited && TotalBytesPerSecond.IsUnlimited && ReadIops.IsUnlimited
        && ReadBytesPerSecond.IsUnlimited && WriteIops.IsUnlimited && WriteBytesPerSecond.IsUnlimited;
}
