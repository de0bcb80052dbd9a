namespace PSVmm.Engine.Devices.Block.Throttle;

/// <summary>
/// A token bucket: fills at <see cref="ThrottleRate.PerSecond"/> up to its capacity (the burst).
/// A request is admitted when the bucket holds its cost, or is full when the cost exceeds the
/// capacity; the cost is then taken, possibly driving the level below zero (debt), so a request
/// bigger than the burst still passes but delays the next ones by its full cost.
/// Not thread-safe: <see cref="BlockThrottle"/> serializes access.
/// </summary>
internal sealed class TokenBucket
{
    // Tolerates floating-point rounding, so waiting exactly the reported time always suffices.
    private const double Slack = 1e-6;

    private ThrottleRate _rate;
    private double _level;
    private long _lastTimestamp;

    public TokenBucket(ThrottleRate rate, long now)
    {
        _rate = rate;
        _level = rate.Capacity;
        _lastTimestamp = now;
    }

    public double Level => _level;

    public void Refill(long now, long frequency)
    {
        if (now > _lastTimestamp)
        {
            double seconds = (double)(now - _lastTimestamp) / frequency;
            _level = Math.Min(_rate.Capacity, _level + seconds * _rate.PerSecond);
        }

        _lastTimestamp = Math.Max(_lastTimestamp, now);
    }

    /// <summary>Seconds until <paramref name="cost"/> is admitted; 0 when it is now. Call after <see cref="Refill"/>.</summary>
    public double SecondsUntilAdmitted(double cost)
    {
        double needed = Math.Min(cost, _rate.Capacity);
        double deficit = needed - _level;
        return deficit <= Slack * Math.Max(1, needed) ? 0 : deficit / _rate.PerSecond;
    }

    public void Take(double cost) => _level -= cost;

    /// <summary>Applies new limits; the level is kept, but never above the new capacity.</summary>
    public void Reconfigure(ThrottleRate rate)
    {
        _rate = rate;
        _level = Math.Min(_level, rate.Capacity);
    }
}
