namespace PSVmm.Engine.Devices.Block.Throttle;

/// <summary>
/// Rate limiter for one disk. Before submitting a request the device calls
/// <see cref="TryConsume"/>; when it says no, the request waits (in order: a throttled queue
/// must not be overtaken) and the IoThread arms a timer for the returned wait, or for
/// <see cref="GetWait"/> of the head request. Every limit that applies must admit a request;
/// then all of them are charged. Each limit has a rate and may have a burst (<see cref="ThrottleRate"/>,
/// <see cref="LimitBuckets"/>). Thread-safe. Time comes from a <see cref="TimeProvider"/>
/// so tests drive it by hand.
/// </summary>
public sealed class BlockThrottle
{
    private readonly object _lock = new();
    private readonly TimeProvider _time;
    private readonly LimitBuckets?[] _buckets = new LimitBuckets?[6];
    private ThrottleLimits _limits;

    private const int TotalIops = 0, TotalBytes = 1, ReadIops = 2, ReadBytes = 3, WriteIops = 4, WriteBytes = 5;

    public BlockThrottle(ThrottleLimits limits, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _time = time ?? TimeProvider.System;
        _limits = limits;
        Configure(limits, rebuild: true);
    }

    public ThrottleLimits Limits
    {
        get
        {
            lock (_lock)
            {
                return _limits;
            }
        }
    }

    public bool IsUnlimited => Limits.IsUnlimited;

    /// <summary>The throttle's clock (the system clock, or a test's).</summary>
    public TimeProvider Time => _time;

    /// <summary>Changes limits on a live disk; tokens already saved are kept up to the new bursts.</summary>
    public void UpdateLimits(ThrottleLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        lock (_lock)
        {
            _limits = limits;
            Configure(limits, rebuild: false);
        }
    }

    /// <summary>
    /// Admits and charges a request of <paramref name="ops"/> operations and <paramref name="bytes"/>
    /// bytes, or leaves every bucket untouched and says how long to wait before asking again.
    /// </summary>
    public bool TryConsume(ThrottleDirection direction, int ops, long bytes, out TimeSpan wait)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ops);
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        lock (_lock)
        {
            double seconds = SecondsUntilAdmitted(direction, ops, bytes);
            if (seconds > 0)
            {
                wait = ToTimeSpan(seconds);
                return false;
            }

            Charge(direction, ops, bytes);
            wait = TimeSpan.Zero;
            return true;
        }
    }

    /// <summary>How long until <see cref="TryConsume"/> would admit this request (zero: now). Charges nothing.</summary>
    public TimeSpan GetWait(ThrottleDirection direction, int ops, long bytes)
    {
        lock (_lock)
        {
            return ToTimeSpan(SecondsUntilAdmitted(direction, ops, bytes));
        }
    }

    /// <summary>The timestamp (in <see cref="TimeProvider.GetTimestamp"/> units) at which this request would be admitted.</summary>
    public long GetReadyTimestamp(ThrottleDirection direction, int ops, long bytes)
    {
        lock (_lock)
        {
            double seconds = SecondsUntilAdmitted(direction, ops, bytes);
            return _time.GetTimestamp() + (long)Math.Ceiling(seconds * _time.TimestampFrequency);
        }
    }

    private double SecondsUntilAdmitted(ThrottleDirection direction, int ops, long bytes)
    {
        long now = _time.GetTimestamp();
        double seconds = 0;
        foreach (var (index, cost) in Applicable(direction, ops, bytes))
        {
            var bucket = _buckets[index]!;
            bucket.Refill(now, _time.TimestampFrequency);
            seconds = Math.Max(seconds, bucket.SecondsUntilAdmitted(cost));
        }

        return seconds;
    }

    private void Charge(ThrottleDirection direction, int ops, long bytes)
    {
        foreach (var (index, cost) in Applicable(direction, ops, bytes))
            _buckets[index]!.Take(cost);
    }

    /// <summary>The limits a request draws on, with what it costs each. A limit it costs nothing (a flush's bytes) never holds it back, even in debt.</summary>
    private IEnumerable<(int Index, double Cost)> Applicable(ThrottleDirection direction, int ops, long bytes)
    {
        if (_buckets[TotalIops] is not null && ops > 0) yield return (TotalIops, ops);
        if (_buckets[TotalBytes] is not null && bytes > 0) yield return (TotalBytes, bytes);
        int iops = direction == ThrottleDirection.Read ? ReadIops : direction == ThrottleDirection.Write ? WriteIops : -1;
        if (iops < 0)
        {
            yield break;
        }

        if (_buckets[iops] is not null && ops > 0) yield return (iops, ops);
        if (_buckets[iops + 1] is not null && bytes > 0) yield return (iops + 1, bytes);
    }

    private void Configure(ThrottleLimits limits, bool rebuild)
    {
        ThrottleRate[] rates =
        [
            limits.TotalIops, limits.TotalBytesPerSecond, limits.ReadIops,
            limits.ReadBytesPerSecond, limits.WriteIops, limits.WriteBytesPerSecond,
        ];
        long now = _time.GetTimestamp();
        for (int i = 0; i < rates.Length; i++)
        {
            if (rates[i].IsUnlimited)
            {
                _buckets[i] = null;
            }
            else if (rebuild || _buckets[i] is null)
            {
                _buckets[i] = new LimitBuckets(rates[i], now);
            }
            else
            {
                _buckets[i]!.Refill(now, _time.TimestampFrequency);
                _buckets[i]!.Reconfigure(rates[i], now);
            }
        }
    }

    // Rounded up to whole ticks so that waiting exactly this long is always enough.
    private static TimeSpan ToTimeSpan(double seconds) =>
        seconds <= 0 ? TimeSpan.Zero : TimeSpan.FromTicks((long)Math.Ceiling(seconds * TimeSpan.TicksPerSecond));
}
