namespace PSVmm.Engine.Virtio.Transport;

// Interrupts (virtio 1.2 §4.1.4.5, §4.1.5.3, §4.1.5.4). While MSI-X is enabled, a queue or
// configuration event goes to the vector the driver assigned (NO_VECTOR: no interrupt) and
// the ISR is not used. While it is disabled, the event sets its ISR bit (bit 0 queue, bit 1
// configuration) and asserts INTx; reading the ISR returns and clears the bits and deasserts INTx.
public sealed partial class VirtioPciTransport
{
    public const byte IsrQueue = 0x1;
    public const byte IsrConfig = 0x2;

    private byte _isr;
    private ActivationHandle? _activation;
    private long _queueInterrupts;
    private long _configInterrupts;

    private void ReadIsr(ulong offset, Span<byte> data)
    {
        data.Clear();
        if (offset != 0 || data.Length == 0)
            return;
        lock (_lock)
        {
            data[0] = _isr;
            SetIsrLocked(0);
        }
    }

    private void SetIsrLocked(byte value)
    {
        _isr = value;
        if (value != 0)
            _intx?.Assert();
        else
            _intx?.Deassert();
    }

    private void SignalConfigLocked()
    {
        _configInterrupts++;
        DeliverLocked(_common.ConfigVector, IsrConfig);
    }

    private void DeliverLocked(ushort vector, byte isrBit)
    {
        // Table.Notify is false only while MSI-X is disabled; NO_VECTOR (beyond the table) is then dropped by it.
        if (Msix.Table.Notify(vector))
            return;
        SetIsrLocked((byte)(_isr | isrBit));
    }

    private bool SignalQueue(ActivationHandle handle, int queue)
    {
        lock (_lock)
        {
            if (!ReferenceEquals(_activation, handle) || (uint)queue >= (uint)_rings.Length)
                return false;
            _queueInterrupts++;
            DeliverLocked(_common.Queue(queue).MsixVector, IsrQueue);
            return true;
        }
    }

    /// <summary>The used-buffer notifier of one activation; revoked (calls return false) by reset.</summary>
    private sealed class ActivationHandle(VirtioPciTransport owner) : IVirtioQueueInterrupts
    {
        public bool SignalUsedBuffers(int queue) => owner.SignalQueue(this, queue);
    }

    /// <summary>What the device sees of the transport.</summary>
    private sealed class DeviceHost(VirtioPciTransport owner) : IVirtioDeviceHost
    {
        public void ConfigurationChanged()
        {
            lock (owner._lock)
            {
                // §2.5.1/§4.1.4.3.1: the generation changes with every configuration change. The
                // notification is sent only once DRIVER_OK is set: a level INTx nobody acknowledges
                // would storm a guest that has no handler yet.
                owner._common.ConfigurationChanged();
                if (owner._common.DriverOk)
                    owner.SignalConfigLocked();
            }
        }

        public void DeviceNeedsReset(string reason)
        {
            lock (owner._lock)
                owner.MarkNeedsResetLocked(reason, notify: owner._common.DriverOk || owner._common.DriverOkPending);
        }
    }
}
