namespace PSVmm.Engine.Devices.Block.Throttle;

/// <summary>
/// A token bucket: fills at a rate up to its capacity. A request is admitted when the bucket
/// holds its cost, or is full when the cost exceeds the capacity; the cost is then taken,
/// possibly driving the level below zero (debt), so a request bigger than the bucket still
/// passes but delays the next ones by its full cost.
/// Not thread-safe: <see cref="BlockThrottle"/> serializes access.
/// </summary>
internal sealed class TokenBucket
{
    // Tolerates floating-point rounding, so waiting exactly the reported time always suffices.
    private const double Slack = 1e-6;

    private double _perSecond;
    private double _capacity;
    private double _level;
    private long _lastTimestamp;

    /// <summary>A full bucket.</summary>
    public TokenBucket(double perSecond, double capacity, long now)
    {
        _perSecond = perSecond;
        _capacity = capacity;
        _level = capacity;
        _lastTimestamp = now;
    }

    public double Level => _level;

    public void Refill(long now, long frequency)
    {
        if (now > _lastTimestamp)
        {
            double seconds = (double)(now - _lastTimestamp) / frequency;
            _level = Math.Min(_capacity, _level + seconds * _perSecond);
        }

        _lastTimestamp = Math.Max(_lastTimestamp, now);
    }

    /// <summary>Seconds until <paramref name="cost"/> is admitted; 0 when it is now. Call after <see cref="Refill"/>.</summary>
    public double SecondsUntilAdmitted(double cost)
    {
        double needed = Math.Min(cost, _capacity);
        double deficit = needed - _level;
        return deficit <= Slack * Math.Max(1, needed) ? 0 : deficit / _perSecond;
    }

    public void Take(double cost) => _level -= cost;

    /// <summary>Applies a new rate and capacity; the level (debt included) is kept, but never above the new capacity.</summary>
    public void Reconfigure(double perSecond, double capacity)
    {
        _perSecond = perSecond;
        _capacity = capacity;
        _level = Math.Min(_level, capacity);
    }
}
