namespace PSVmm.Engine.Devices.Block.Throttle;

/// <summary>
/// The buckets of one <see cref="ThrottleRate"/>: one that fills at the rate and saves up to the
/// burst (burst rate × burst length), and, with a burst, a small one that fills at the burst rate
/// so the disk never goes faster than that (QEMU's LeakyBucket level and burst_level). A request
/// must be admitted by both and is charged to both. Not thread-safe: <see cref="BlockThrottle"/>
/// serializes access.
/// </summary>
internal sealed class LimitBuckets
{
    private readonly TokenBucket _rate;
    private TokenBucket? _burst;

    public LimitBuckets(ThrottleRate rate, long now)
    {
        _rate = new TokenBucket(rate.PerSecond, rate.Capacity, now);
        _burst = rate.HasBurst ? new TokenBucket(rate.BurstPerSecond, rate.BurstCapacity, now) : null;
    }

    public void Refill(long now, long frequency)
    {
        _rate.Refill(now, frequency);
        _burst?.Refill(now, frequency);
    }

    /// <summary>Seconds until <paramref name="cost"/> is admitted; 0 when it is now. Call after <see cref="Refill"/>.</summary>
    public double SecondsUntilAdmitted(double cost) =>
        Math.Max(_rate.SecondsUntilAdmitted(cost), _burst?.SecondsUntilAdmitted(cost) ?? 0);

    public void Take(double cost)
    {
        _rate.Take(cost);
        _burst?.Take(cost);
    }

    /// <summary>New limits on a live disk (after <see cref="Refill"/>): saved tokens and debt are kept up to the new sizes; a new burst starts full.</summary>
    public void Reconfigure(ThrottleRate rate, long now)
    {
        _rate.Reconfigure(rate.PerSecond, rate.Capacity);
        if (!rate.HasBurst)
            _burst = null;
        else if (_burst is null)
            _burst = new TokenBucket(rate.BurstPerSecond, rate.BurstCapacity, now);
        else
            _burst.Reconfigure(rate.BurstPerSecond, rate.BurstCapacity);
    }
}
