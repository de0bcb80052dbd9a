namespace PSVmm.Engine.Devices.Block.Throttle;

/// <summary>
/// I/O limits of one disk: totals over every request, or per-direction limits (the model of
/// QEMU's throttling.iops-total/-read/-write and bps-*, each with its *-max burst and
/// *-max-length). Unset means unlimited. What a request costs is the block engine's to say
/// (BlockDeviceEngine.ThrottleCost); <see cref="Validate"/> holds the rules.
/// </summary>
public sealed partial record ThrottleLimits
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
