namespace PSVmm.Engine.Devices.Block.Throttle;

/// <summary>Which per-direction buckets a request draws on; every request also draws on the totals.</summary>
public enum ThrottleDirection
{
    Read,
    Write,
    /// <summary>Counted against the totals only (a flush; BlockDeviceEngine.ThrottleCost decides).</summary>
    Other,
}
