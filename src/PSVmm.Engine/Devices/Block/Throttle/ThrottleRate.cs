namespace PSVmm.Engine.Devices.Block.Throttle;

/// <summary>
/// One limit (operations or bytes per second), the model of QEMU's throttling.* options:
/// <see cref="PerSecond"/> is the sustained rate (<c>iops-total</c>); <see cref="BurstPerSecond"/>
/// (<c>iops-total-max</c>) and <see cref="BurstSeconds"/> (<c>iops-total-max-length</c>) allow,
/// after a quiet spell, up to the burst rate for the burst length before the rate applies again.
/// Without a burst the limit saves up one second's worth at the rate. PerSecond 0 means unlimited.
/// </summary>
public readonly record struct ThrottleRate(double PerSecond, double BurstPerSecond = 0, double BurstSeconds = 0)
{
    /// <summary>The burst length when <see cref="BurstSeconds"/> is unset (QEMU's default for *-max-length).</summary>
    public const double DefaultBurstSeconds = 1;

    /// <summary>
    /// How often the burst rate is enforced: the burst bucket holds this many seconds' worth at the
    /// burst rate (QEMU keeps a tenth of a second, the granularity of its throttle timers).
    /// </summary>
    public const double BurstGranularitySeconds = 0.1;

    public static ThrottleRate Unlimited => default;

    public bool IsUnlimited => PerSecond <= 0;

    public bool HasBurst => BurstPerSecond > 0;

    /// <summary>The burst length in effect: <see cref="BurstSeconds"/>, or one second when unset.</summary>
    public double EffectiveBurstSeconds => BurstSeconds > 0 ? BurstSeconds : DefaultBurstSeconds;

    /// <summary>What the rate bucket saves up in a quiet spell: burst rate × burst length (QEMU's bucket size), or one second at the rate.</summary>
    public double Capacity => Math.Max(HasBurst ? BurstPerSecond * EffectiveBurstSeconds : PerSecond, 1);

    /// <summary>The size of the bucket that enforces the burst rate (only with a burst).</summary>
    public double BurstCapacity => Math.Max(BurstPerSecond * BurstGranularitySeconds, 1);
}
