namespace PSVmm.Engine.Devices.Block.Throttle;

/// <summary>Which per-direction buckets a request draws on; every request also draws on the totals.</summary>
public enum ThrottleDirection
{
    Read,
    Write,
    /// <summary>Flush, discard, get-id...: counted against the totals only.</summary>
    Other,
}
