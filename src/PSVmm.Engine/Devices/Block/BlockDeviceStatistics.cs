using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Throttle;

namespace PSVmm.Engine.Devices.Block;

/// <summary>
/// A point-in-time copy of a virtio-blk device's counters (what Get-VmBlockStatistic shows).
/// Per request type: completed requests, bytes moved by successful ones, requests that ended
/// with a status other than OK. <see cref="Unsupported"/> counts requests of unknown or
/// unnegotiated types. <see cref="ThrottledTotal"/> counts requests the throttle held back,
/// <see cref="ThrottledTime"/> the time they waited there in all (requests still waiting count
/// once they leave).
/// </summary>
public sealed record BlockDeviceStatistics(
    string Id,
    BlockKindStatistics Read,
    BlockKindStatistics Write,
    BlockKindStatistics Flush,
    BlockKindStatistics GetId,
    BlockKindStatistics Discard,
    BlockKindStatistics WriteZeroes,
    BlockKindStatistics Unsupported,
    long InFlight,
    long ThrottledTotal,
    long ThrottledWaiting,
    long DeviceErrors,
    string? LastDeviceError)
{
    /// <summary>The limits in force when the copy was taken.</summary>
    public ThrottleLimits Limits { get; init; } = ThrottleLimits.None;

    /// <summary>The time throttled requests spent waiting, summed over the requests.</summary>
    public TimeSpan ThrottledTime { get; init; }

    public long TotalRequests => Read.Requests + Write.Requests + Flush.Requests + GetId.Requests
        + Discard.Requests + WriteZeroes.Requests + Unsupported.Requests;
}
