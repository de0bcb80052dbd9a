using PSVmm.Engine.Virtio.Queues;

namespace PSVmm.Engine.Virtio.Transport;

// device_status (virtio 1.2 §2.1, §3.1.1, §2.4, §4.1.4.3.2).
//  - 0 resets the device and every transport register (config_generation keeps counting so a
//    driver never sees an old generation again); the write returns once the reset is complete,
//    so the driver's "wait until status reads 0" is satisfied by the next read.
//  - Otherwise the driver only adds bits. A write that would clear a set bit is ignored.
//    DEVICE_NEEDS_RESET is the device's: the driver can neither set nor clear it.
//  - Bits must come in order: DRIVER needs ACKNOWLEDGE, FEATURES_OK needs DRIVER, DRIVER_OK
//    needs FEATURES_OK (in legacy mode, which has no FEATURES_OK, DRIVER). An out-of-order bit
//    is dropped; the rest of the write applies.
//  - FEATURES_OK is refused (stays clear) when the driver accepted a bit that was not offered
//    or did not accept VERSION_1 (§2.2.2, §6.1).
//  - DRIVER_OK starts every enabled queue (Virtqueue.Enable checks the size and that each ring
//    area is aligned and inside guest RAM) and activates the device. A bad queue (or a device
//    that fails to start) sets DEVICE_NEEDS_RESET, sends a configuration change notification
//    and leaves DRIVER_OK clear. DRIVER_OK is refused while DEVICE_NEEDS_RESET is set.
//  - FAILED is accepted at any time; the device keeps running until reset.
public sealed partial class VirtioPciTransport
{
    private bool _activating;
    private string? _brokenReason;
    private long _resets;
    private long _activations;
    private long _refusedFeatures;

    private string? _lastFeatureRefusal;

    /// <summary>The reason FEATURES_OK was last refused, if it was.</summary>
    public string? LastFeatureRefusal { get { lock (_lock) return _lastFeatureRefusal; } }

    /// <summary>Resets the device as a driver write of 0 to device_status does (e.g. on machine reset).</summary>
    public void Reset() => WriteStatus(0);

    private void WriteStatus(byte value)
    {
        lock (_lifecycleLock)
        {
            if (value == 0)
            {
                ResetLocked();
                return;
            }
            VirtioActivation? activation = null;
            lock (_lock)
            {
                var requested = (VirtioDeviceStatus)value & ~VirtioDeviceStatus.DeviceNeedsReset;
                var current = _status & ~VirtioDeviceStatus.DeviceNeedsReset;
                if ((current & ~requested) != 0)
                {
                    _ignoredWrites++;
                    return;
                }
                var next = _status;
                if (Adds(requested, current, VirtioDeviceStatus.Acknowledge))
                    next |= VirtioDeviceStatus.Acknowledge;
                if (Adds(requested, current, VirtioDeviceStatus.Driver) && next.HasFlag(VirtioDeviceStatus.Acknowledge))
                    next |= VirtioDeviceStatus.Driver;
                if (Adds(requested, current, VirtioDeviceStatus.FeaturesOk) && next.HasFlag(VirtioDeviceStatus.Driver) && AcceptFeaturesLocked())
                    next |= VirtioDeviceStatus.FeaturesOk;
                if (Adds(requested, current, VirtioDeviceStatus.Failed))
                    next |= VirtioDeviceStatus.Failed;
                _status = next;
                if (Adds(requested, current, VirtioDeviceStatus.DriverOk) && ReadyForDriverOkLocked(next))
                    activation = PrepareActivationLocked();
            }
            if (activation is not null)
                Activate(activation);
        }
    }

    /// <summary>Modern: FEATURES_OK must be set. Legacy (§4.1.4.10): DRIVER suffices and the written features take effect now.</summary>
    private bool ReadyForDriverOkLocked(VirtioDeviceStatus next)
    {
        if (!_legacy)
            return next.HasFlag(VirtioDeviceStatus.FeaturesOk);
        if (!next.HasFlag(VirtioDeviceStatus.Driver))
            return false;
        _negotiatedFeatures = _driverFeatures & OfferedFeatures & 0xFFFF_FFFF;
        return true;
    }

    private static bool Adds(VirtioDeviceStatus requested, VirtioDeviceStatus current, VirtioDeviceStatus bit) =>
        (requested & bit) != 0 && (current & bit) == 0;

    private bool AcceptFeaturesLocked()
    {
        string? problem = null;
        ulong unoffered = _driverFeatures & ~OfferedFeatures;
        if (unoffered != 0)
            problem = $"driver accepted features 0x{unoffered:x} that were not offered";
        else if ((_driverFeatures & VirtioFeatures.Version1) == 0)
            problem = "driver did not accept VIRTIO_F_VERSION_1";
        if (problem is not null)
        {
            _lastFeatureRefusal = problem;
            _refusedFeatures++;
            return false;
        }
        _negotiatedFeatures = _driverFeatures;
        return true;
    }

    /// <summary>Starts the enabled virtqueues (which checks their layout); returns the activation to hand to the device, or null after marking the device broken.</summary>
    private VirtioActivation? PrepareActivationLocked()
    {
        if ((_status & VirtioDeviceStatus.DeviceNeedsReset) != 0)
        {
            _ignoredWrites++;
            return null;
        }
        foreach (var queue in _queues)
        {
            if (!queue.Enabled)
                continue;
            try
            {
                queue.Start(_negotiatedFeatures);
            }
            catch (VirtqueueException e)
            {
                foreach (var started in _queues)
                    started.Queue.Reset();
                MarkNeedsResetLocked($"queue {queue.Index}: {e.Message}", notify: true);
                return null;
            }
        }
        var handle = new ActivationHandle(this);
        _activation = handle;
        _activating = true;
        return new VirtioActivation(_memory, _negotiatedFeatures, _queues.Select(q => q.Snapshot()).ToArray(),
            _queues.Select(q => (IVirtqueue)q.Queue).ToArray(), handle);
    }

    /// <summary>Starts the device with <c>_lock</c> released (it may start iothread work that signals at once).</summary>
    private void Activate(VirtioActivation activation)
    {
        bool started = Device.Activate(activation);
        lock (_lock)
        {
            _activating = false;
            if (started && ReferenceEquals(_activation, activation.Interrupts) && (_status & VirtioDeviceStatus.DeviceNeedsReset) == 0)
            {
                _status |= VirtioDeviceStatus.DriverOk;
                _activations++;
                return;
            }
            _activation = null;
        }
        // The device failed (and reported why) or reported an error while starting: stop whatever it began.
        if (started)
            Device.Reset();
        lock (_lock)
        {
            foreach (var queue in _queues)
                queue.Queue.Reset();
        }
    }

    private void ResetLocked()
    {
        lock (_lock)
            _activation = null;        // from here on, interrupts of in-flight work are dropped
        Device.Reset();                // waits for the device's iothread work (see VirtioDevice)
        lock (_lock)
        {
            _status = VirtioDeviceStatus.None;
            _deviceFeatureSelect = 0;
            _driverFeatureSelect = 0;
            _driverFeatures = 0;
            _negotiatedFeatures = 0;
            _configVector = VirtioQueueConfig.NoVector;
            _queueSelect = 0;
            foreach (var q in _queues)
                q.Reset();
            _brokenReason = null;
            _lastFeatureRefusal = null;
            _activating = false;
            _legacy = false;
            _resets++;
            SetIsrLocked(0);
        }
    }

    private void MarkNeedsResetLocked(string reason, bool notify)
    {
        if ((_status & VirtioDeviceStatus.DeviceNeedsReset) != 0)
            return;
        _status |= VirtioDeviceStatus.DeviceNeedsReset;
        _brokenReason = reason;
        // §2.1.2: after setting DEVICE_NEEDS_RESET with DRIVER_OK set, send a configuration change
        // notification. Also sent when DRIVER_OK was just refused: the driver has its handlers by then.
        if (notify)
            SignalConfigLocked();
    }
}
