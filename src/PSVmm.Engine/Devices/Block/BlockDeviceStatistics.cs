using PSVmm.Engine.Devices.Block.Backend;

namespace PSVmm.Engine.Devices.Block;

/// <summary>
/// A point-in-time copy of a virtio-blk device's counters (what Get-VmBlockStatistic shows).
/// Per request type: completed requests, bytes moved by successful ones, requests that ended
/// with a status other than OK. <see cref="Unsupported"/> counts requests of unknown or
/// unnegotiated types.
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
    public long TotalRequests => Read.Requests + Write.Requests + Flush.Requests + GetId.Requests
        + Discard.Requests + WriteZeroes.Requests + Unsupported.Requests;
}
