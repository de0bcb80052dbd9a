namespace PSVmm.Engine.Virtio.Transport;

// device_status (virtio 1.2 §2.1, §3.1.1, §4.1.4.3.2): the rules of the register. What a write
// does to the device (reset, start) is the transport's (VirtioPciTransport.Lifecycle.cs).
//  - 0 resets every register (Reset).
//  - Otherwise the driver only adds bits. A write that would clear a set bit is ignored.
//    DEVICE_NEEDS_RESET is the device's: the driver can neither set nor clear it.
//  - Bits must come in order: DRIVER needs ACKNOWLEDGE, FEATURES_OK needs DRIVER, DRIVER_OK
//    needs FEATURES_OK (in legacy mode, which has no FEATURES_OK, DRIVER). An out-of-order bit
//    is dropped; the rest of the write applies.
//  - FEATURES_OK is refused (stays clear) when the driver accepted a bit that was not offered
//    or did not accept VERSION_1 (§2.2.2, §6.1).
//  - DRIVER_OK is set only once the device started (BeginDriverOk, EndDriverOk); it is refused
//    while DEVICE_NEEDS_RESET is set.
//  - FAILED is accepted at any time.
public sealed partial class VirtioPciCommonConfig
{
    public VirtioDeviceStatus Status { get; private set; }

    public bool DriverOk => (Status & VirtioDeviceStatus.DriverOk) != 0;

    public bool NeedsReset => (Status & VirtioDeviceStatus.DeviceNeedsReset) != 0;

    /// <summary>DRIVER_OK was accepted and the device is being started: the queue layouts are fixed, DRIVER_OK is not set yet.</summary>
    public bool DriverOkPending { get; private set; }

    /// <summary>Why DEVICE_NEEDS_RESET is set, while it is.</summary>
    public string? NeedsResetReason { get; private set; }

    /// <summary>The reason FEATURES_OK was last refused since reset, if it was.</summary>
    public string? LastFeatureRefusal { get; private set; }

    /// <summary>FEATURES_OK refusals since creation.</summary>
    public long RefusedFeatures { get; private set; }

    /// <summary>
    /// Applies a driver write of a non-zero <paramref name="value"/> to device_status. Returns true
    /// when the write asks for DRIVER_OK and the device may be started: the caller then starts the
    /// queues and the device between <see cref="BeginDriverOk"/> and <see cref="EndDriverOk"/>.
    /// </summary>
    public bool WriteStatus(byte value)
    {
        var requested = (VirtioDeviceStatus)value & ~VirtioDeviceStatus.DeviceNeedsReset;
        var current = Status & ~VirtioDeviceStatus.DeviceNeedsReset;
        if ((current & ~requested) != 0)
        {
            IgnoredWrites++;
            return false;
        }
        var next = Status;
        if (Adds(requested, current, VirtioDeviceStatus.Acknowledge))
            next |= VirtioDeviceStatus.Acknowledge;
        if (Adds(requested, current, VirtioDeviceStatus.Driver) && next.HasFlag(VirtioDeviceStatus.Acknowledge))
            next |= VirtioDeviceStatus.Driver;
        if (Adds(requested, current, VirtioDeviceStatus.FeaturesOk) && next.HasFlag(VirtioDeviceStatus.Driver) && AcceptFeatures())
            next |= VirtioDeviceStatus.FeaturesOk;
        if (Adds(requested, current, VirtioDeviceStatus.Failed))
            next |= VirtioDeviceStatus.Failed;
        Status = next;
        if (!Adds(requested, current, VirtioDeviceStatus.DriverOk) || !ReadyForDriverOk(next))
            return false;
        if (NeedsReset)
        {
            IgnoredWrites++;
            return false;
        }
        return true;
    }

    /// <summary>The device is being started after <see cref="WriteStatus"/> returned true.</summary>
    public void BeginDriverOk() => DriverOkPending = true;

    /// <summary>Ends the start: sets DRIVER_OK when the device started and no error was reported meanwhile. Returns whether it did.</summary>
    public bool EndDriverOk(bool deviceStarted)
    {
        DriverOkPending = false;
        if (!deviceStarted || NeedsReset)
            return false;
        Status |= VirtioDeviceStatus.DriverOk;
        return true;
    }

    /// <summary>Sets DEVICE_NEEDS_RESET (§2.1.2) with its reason; false when it was already set.</summary>
    public bool SetNeedsReset(string reason)
    {
        if (NeedsReset)
            return false;
        Status |= VirtioDeviceStatus.DeviceNeedsReset;
        NeedsResetReason = reason;
        return true;
    }

    private void ResetStatus()
    {
        Status = VirtioDeviceStatus.None;
        DriverOkPending = false;
        NeedsResetReason = null;
        LastFeatureRefusal = null;
    }

    /// <summary>Modern: FEATURES_OK must be set. Legacy (§4.1.4.10): DRIVER suffices and the written features take effect now.</summary>
    private bool ReadyForDriverOk(VirtioDeviceStatus next)
    {
        if (!LegacyMode)
            return next.HasFlag(VirtioDeviceStatus.FeaturesOk);
        if (!next.HasFlag(VirtioDeviceStatus.Driver))
            return false;
        NegotiatedFeatures = DriverFeatures & OfferedFeatures & 0xFFFF_FFFF;
        return true;
    }

    private bool AcceptFeatures()
    {
        string? problem = null;
        ulong unoffered = DriverFeatures & ~OfferedFeatures;
        if (unoffered != 0)
            problem = $"driver accepted features 0x{unoffered:x} that were not offered";
        else if ((DriverFeatures & VirtioFeatures.Version1) == 0)
            problem = "driver did not accept VIRTIO_F_VERSION_1";
        if (problem is not null)
        {
            LastFeatureRefusal = problem;
            RefusedFeatures++;
            return false;
        }
        NegotiatedFeatures = DriverFeatures;
        return true;
    }

    private static bool Adds(VirtioDeviceStatus requested, VirtioDeviceStatus current, VirtioDeviceStatus bit) =>
        (requested & bit) != 0 && (current & bit) == 0;
}
