using PSVmm.Engine.Virtio.Queues;

namespace PSVmm.Engine.Virtio.Transport;

// What a device_status write does to the device (virtio 1.2 §2.1, §3.1.1, §2.4); the register's
// own rules are VirtioPciCommonConfig.Status.cs. Every write holds _lifecycleLock throughout.
//  - 0 resets the device, then every register (config_generation keeps counting); the write
//    returns once the reset is complete, so the driver's "wait until status reads 0" is satisfied
//    by the next read.
//  - DRIVER_OK starts every enabled queue (Virtqueue.Enable checks the size and that each ring
//    area is aligned and inside guest RAM) and activates the device. A bad queue (or a device
//    that fails to start) sets DEVICE_NEEDS_RESET, sends a configuration change notification
//    and leaves DRIVER_OK clear.
//  - FAILED changes nothing here: the device keeps running until reset.
public sealed partial class VirtioPciTransport
{
    private long _resets;
    private long _activations;

    /// <summary>The reason FEATURES_OK was last refused, if it was.</summary>
    public string? LastFeatureRefusal { get { lock (_lock) return _common.LastFeatureRefusal; } }

    /// <summary>Resets the device as a driver write of 0 to device_status does (e.g. on machine reset).</summary>
    public void Reset() => WriteStatus(0);

    private void WriteStatus(byte value)
    {
        lock (_lifecycleLock)
        {
            if (value == 0)
            {
                ResetDeviceInLifecycle();
                return;
            }
            VirtioActivation? activation = null;
            lock (_lock)
            {
                if (_common.WriteStatus(value))
                    activation = PrepareActivationLocked();
            }
            if (activation is not null)
                ActivateDeviceInLifecycle(activation);
        }
    }

    /// <summary>Starts the enabled virtqueues (which checks their layout); returns the activation to hand to the device, or null after marking the device broken.</summary>
    private VirtioActivation? PrepareActivationLocked()
    {
        var queues = _common.Queues();
        ulong features = _common.NegotiatedFeatures;
        foreach (var queue in queues)
        {
            if (!queue.Enabled)
                continue;
            try
            {
                _rings[queue.Index].Reset();
                _rings[queue.Index].Enable(queue.ToRingGeometry(), features);
            }
            catch (VirtqueueException e)
            {
                foreach (var ring in _rings)
                    ring.Reset();
                MarkNeedsResetLocked($"queue {queue.Index}: {e.Message}", notify: true);
                return null;
            }
        }
        var handle = new ActivationHandle(this);
        _activation = handle;
        _common.BeginDriverOk();
        return new VirtioActivation(_memory, features, queues, [.. _rings], handle);
    }

    /// <summary>Starts the device with <c>_lock</c> released (it may start iothread work that signals at once).</summary>
    private void ActivateDeviceInLifecycle(VirtioActivation activation)
    {
        bool started = Device.Activate(activation);
        lock (_lock)
        {
            if (_common.EndDriverOk(started && ReferenceEquals(_activation, activation.Interrupts)))
            {
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
            foreach (var ring in _rings)
                ring.Reset();
        }
    }

    private void ResetDeviceInLifecycle()
    {
        lock (_lock)
            _activation = null;        // from here on, interrupts of in-flight work are dropped
        Device.Reset();                // waits for the device's iothread work (see VirtioDevice)
        lock (_lock)
        {
            _common.Reset();
            foreach (var ring in _rings)
                ring.Reset();
            _resets++;
            SetIsrLocked(0);
        }
    }

    private void MarkNeedsResetLocked(string reason, bool notify)
    {
        // §2.1.2: after setting DEVICE_NEEDS_RESET with DRIVER_OK set, send a configuration change
        // notification. Also sent when DRIVER_OK was just refused: the driver has its handlers by then.
        if (_common.SetNeedsReset(reason) && notify)
            SignalConfigLocked();
    }
}
