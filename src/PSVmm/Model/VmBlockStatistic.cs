using PSVmm.Engine.Machine;

namespace PSVmm.Model;

/// <summary>
/// A running disk's request counters, as Get-VmBlockStatistic writes them: per request type
/// the completed requests, the bytes moved by successful ones and the requests that failed;
/// the disk's I/O limits and what the throttle held back.
/// </summary>
public sealed class VmBlockStatistic
{
    internal VmBlockStatistic(string vmName, VirtioBlkPciState disk)
    {
        var s = disk.Statistics;
        VmName = vmName;
        DeviceId = disk.Id;
        Path = disk.Path;
        ReadOnly = disk.ReadOnly;
        ReadRequests = s.Read.Requests;
        ReadBytes = s.Read.Bytes;
        ReadErrors = s.Read.Errors;
        WriteRequests = s.Write.Requests;
        WriteBytes = s.Write.Bytes;
        WriteErrors = s.Write.Errors;
        FlushRequests = s.Flush.Requests;
        FlushErrors = s.Flush.Errors;
        GetIdRequests = s.GetId.Requests;
        GetIdErrors = s.GetId.Errors;
        DiscardRequests = s.Discard.Requests;
        DiscardBytes = s.Discard.Bytes;
        DiscardErrors = s.Discard.Errors;
        WriteZeroesRequests = s.WriteZeroes.Requests;
        WriteZeroesBytes = s.WriteZeroes.Bytes;
        WriteZeroesErrors = s.WriteZeroes.Errors;
        UnsupportedRequests = s.Unsupported.Requests;
        TotalRequests = s.TotalRequests;
        Errors = s.Read.Errors + s.Write.Errors + s.Flush.Errors + s.GetId.Errors + s.Discard.Errors
            + s.WriteZeroes.Errors + s.Unsupported.Errors;
        InFlight = s.InFlight;
        Throttled = s.ThrottledTotal;
        ThrottledWaiting = s.ThrottledWaiting;
        ThrottledTime = s.ThrottledTime;
        Limits = ThrottleLimitsText.Format(s.Limits);
        MaximumIops = s.Limits.TotalIops.PerSecond;
        MaximumReadIops = s.Limits.ReadIops.PerSecond;
        MaximumWriteIops = s.Limits.WriteIops.PerSecond;
        MaximumBytesPerSecond = s.Limits.TotalBytesPerSecond.PerSecond;
        MaximumReadBytesPerSecond = s.Limits.ReadBytesPerSecond.PerSecond;
        MaximumWriteBytesPerSecond = s.Limits.WriteBytesPerSecond.PerSecond;
        DeviceErrors = s.DeviceErrors;
        LastDeviceError = s.LastDeviceError;
    }

    public string VmName { get; }
    public string DeviceId { get; }
    public string Path { get; }
    public bool ReadOnly { get; }
    public long ReadRequests { get; }
    public long ReadBytes { get; }
    public long ReadErrors { get; }
    public long WriteRequests { get; }
    public long WriteBytes { get; }
    public long WriteErrors { get; }
    public long FlushRequests { get; }
    public long FlushErrors { get; }
    public long GetIdRequests { get; }
    public long GetIdErrors { get; }
    public long DiscardRequests { get; }
    public long DiscardBytes { get; }
    public long DiscardErrors { get; }
    public long WriteZeroesRequests { get; }
    public long WriteZeroesBytes { get; }
    public long WriteZeroesErrors { get; }

    /// <summary>Requests of unknown or unnegotiated types (answered VIRTIO_BLK_S_UNSUPP).</summary>
    public long UnsupportedRequests { get; }

    public long TotalRequests { get; }

    /// <summary>Requests of every type that ended with a status other than OK (unsupported ones included).</summary>
    public long Errors { get; }

    public long InFlight { get; }

    /// <summary>Requests the throttle held back at least once.</summary>
    public long Throttled { get; }

    /// <summary>Requests held back by the throttle right now.</summary>
    public long ThrottledWaiting { get; }

    /// <summary>The time throttled requests waited in the throttle, summed over the requests (those still waiting count when they leave).</summary>
    public TimeSpan ThrottledTime { get; }

    /// <summary>The I/O limits in force, with their bursts, in a line ("none" when unlimited).</summary>
    public string Limits { get; }

    /// <summary>The rates of the limits (Add-VirtioBlkPci / Set-VirtioBlkPci parameters of the same names); 0: no limit.</summary>
    public double MaximumIops { get; }
    public double MaximumReadIops { get; }
    public double MaximumWriteIops { get; }
    public double MaximumBytesPerSecond { get; }
    public double MaximumReadBytesPerSecond { get; }
    public double MaximumWriteBytesPerSecond { get; }

    /// <summary>Failures of the device itself (it then needs a reset), with the last one's text.</summary>
    public long DeviceErrors { get; }
    public string? LastDeviceError { get; }

    public override string ToString() => $"{DeviceId}: {TotalRequests} requests";
}
