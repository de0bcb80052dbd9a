using PSVmm.Engine.Devices.Block.Backend;

namespace PSVmm.Engine.Devices.Block.Device;

/// <summary>Live counters behind <see cref="BlockDeviceStatistics"/>. Updated on the IoThread, read from any thread.</summary>
internal sealed class BlockDeviceCounters
{
    private const int Kinds = 7;
    private const int UnsupportedSlot = 6;

    private readonly object _lock = new();
    private readonly long[] _requests = new long[Kinds];
    private readonly long[] _bytes = new long[Kinds];
    private readonly long[] _errors = new long[Kinds];
    private long _inFlight;
    private long _throttledTotal;
    private long _throttledWaiting;
    private TimeSpan _throttledTime;
    private long _deviceErrors;
    private string? _lastDeviceError;

    public void Completed(uint rawType, byte status, long bytes)
    {
        int slot = Slot(rawType);
        lock (_lock)
        {
            _requests[slot]++;
            if (status == VirtioBlkStatus.Ok)
                _bytes[slot] += bytes;
            else
                _errors[slot]++;
        }
    }

    public void Started() { lock (_lock) _inFlight++; }

    public void Finished() { lock (_lock) _inFlight--; }

    public void Throttled() { lock (_lock) { _throttledTotal++; _throttledWaiting++; } }

    /// <summary>Throttled requests left the throttle (admitted or dropped) after waiting <paramref name="waited"/> in all.</summary>
    public void Released(int count, TimeSpan waited)
    {
        lock (_lock)
        {
            _throttledWaiting -= count;
            _throttledTime += waited;
        }
    }

    public void DeviceError(string reason)
    {
        lock (_lock)
        {
            _deviceErrors++;
            _lastDeviceError = reason;
        }
    }

    public BlockDeviceStatistics Snapshot(string id)
    {
        lock (_lock)
        {
            BlockKindStatistics K(int i) => new(_requests[i], _bytes[i], _errors[i]);
            return new BlockDeviceStatistics(id, K(0), K(1), K(2), K(3), K(4), K(5), K(UnsupportedSlot),
                _inFlight, _throttledTotal, _throttledWaiting, _deviceErrors, _lastDeviceError)
            {
                ThrottledTime = _throttledTime,
            };
        }
    }

    private static int Slot(uint rawType) => (VirtioBlkRequestType)rawType switch
    {
        VirtioBlkRequestType.In => 0,
        VirtioBlkRequestType.Out => 1,
        VirtioBlkRequestType.Flush => 2,
        VirtioBlkRequestType.GetId => 3,
        VirtioBlkRequestType.Discard => 4,
        VirtioBlkRequestType.WriteZeroes => 5,
        _ => UnsupportedSlot,
    };
}
