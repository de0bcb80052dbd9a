using PSVmm.Engine.Virtio.Queues;

namespace PSVmm.Engine.Virtio;

/// <summary>
/// A virtio device independent of its transport (virtio 1.2 §2: status, features, queues,
/// configuration space). Concrete devices (virtio-blk, ...) derive from it; a transport such as
/// <see cref="Transport.VirtioPciTransport"/> carries it, owns the status machine, feature
/// negotiation and queue registers, and calls the device at the points below.
///
/// <para><b>Declaring.</b> The constructor fixes the device type, the number of queues, the
/// maximum queue size, the device-specific feature bits (0-23 and 50-63; the transport adds
/// the reserved transport bits it supports, §6) and the size of the configuration space.</para>
///
/// <para><b>Configuration space</b> (§2.5). <see cref="ReadConfig"/>/<see cref="WriteConfig"/>
/// take any guest offset and width: bytes outside [0, <see cref="ConfigSize"/>) read 0 and are
/// not written; the device sees only in-range slices through <see cref="ReadConfigBytes"/> and
/// <see cref="WriteConfigBytes"/>, which ignore writes to read-only fields. When the device
/// changes fields on its own it does so inside <see cref="ChangeConfiguration"/>: driver reads
/// are excluded while the update runs and config_generation moves on before they resume, so a
/// driver that reads generation, fields, generation (§2.5.1) never accepts a torn value.</para>
///
/// <para><b>Life cycle.</b> <see cref="Activate"/> runs once per driver initialisation, when the
/// driver sets DRIVER_OK and the transport has validated every enabled queue (size, ring
/// addresses inside RAM and aligned). <see cref="QueueNotify"/> is called for each driver
/// notification of an enabled queue of the current activation, on a vCPU thread (trapped MMIO
/// write) or on an iothread (ioeventfd); it should hand work to the device's iothread and
/// return quickly; it can race with <see cref="Reset"/> (a notification accepted just before the
/// reset), so the device serialises the two (e.g. both run on its iothread). <see cref="Reset"/>
/// runs when the driver writes 0 to device_status, or the machine resets.</para>
///
/// <para><b>Queues.</b> The activation carries the started <see cref="Queues.IVirtqueue"/>s. The
/// transport owns them: it counts driver notifications on them and resets them after
/// <see cref="OnReset"/> returned. The device pops, completes and decides on interrupts
/// (<see cref="Queues.IVirtqueue.NeedsNotification"/>), then calls
/// <see cref="IVirtioQueueInterrupts.SignalUsedBuffers"/>.</para>
///
/// <para><b>Reset contract.</b> When <see cref="OnReset"/> returns: no thread of the device
/// touches guest memory or signals an interrupt for the previous activation any more (in-flight
/// requests have completed or been abandoned without writing to the guest — wait for the
/// iothread to quiesce), the device forgot its queues and negotiated features, and it is ready
/// for a new <see cref="Activate"/>. It may block, and it is never called while the transport
/// holds its register lock; the only transport entry points an iothread uses
/// (<see cref="IVirtioQueueInterrupts.SignalUsedBuffers"/>, Report*) never wait for a reset, so
/// waiting for the iothread inside OnReset cannot deadlock. It must be idempotent (it is also
/// called on a device that was never activated).</para>
///
/// <para><b>Errors.</b> Malformed guest data is not an exception to propagate: the device calls
/// <see cref="ReportNeedsReset"/> and stops using the queue; the transport sets
/// DEVICE_NEEDS_RESET and notifies the driver. An exception thrown by any On* override is
/// caught here and reported the same way, so nothing escapes into a vCPU or iothread.</para>
/// </summary>
public abstract class VirtioDevice
{
    /// <summary>Transport feature bits (§6: bits 24-49 are reserved for the queue and feature negotiation mechanisms).</summary>
    public const ulong TransportFeatureMask = ((1UL << 50) - 1) & ~((1UL << 24) - 1);

    private readonly object _hostLock = new();
    private readonly object _configLock = new();
    private IVirtioDeviceHost? _host;
    private volatile bool _active;

    protected VirtioDevice(VirtioDeviceType type, int queueCount, ushort maxQueueSize, ulong deviceFeatures, int configSize)
    {
        if (queueCount < 1 || queueCount > 1024)
            throw new ArgumentOutOfRangeException(nameof(queueCount), "A device has 1..1024 queues.");
        if (maxQueueSize < 1 || maxQueueSize > Virtqueue.SpecMaxQueueSize)
            throw new ArgumentOutOfRangeException(nameof(maxQueueSize), $"The maximum queue size is 1..{Virtqueue.SpecMaxQueueSize}.");
        if ((deviceFeatures & TransportFeatureMask) != 0)
            throw new ArgumentException($"Device features 0x{deviceFeatures:x} use transport bits 24-49; the transport offers those.", nameof(deviceFeatures));
        if (configSize < 0 || configSize > 0x1000)
            throw new ArgumentOutOfRangeException(nameof(configSize), "The configuration space is 0..4096 bytes.");
        DeviceType = type;
        QueueCount = queueCount;
        MaxQueueSize = maxQueueSize;
        DeviceFeatures = deviceFeatures;
        ConfigSize = configSize;
    }

    public VirtioDeviceType DeviceType { get; }

    public int QueueCount { get; }

    /// <summary>The maximum size of every queue (the reset value of queue_size).</summary>
    public ushort MaxQueueSize { get; }

    /// <summary>The device-specific feature bits offered to the driver.</summary>
    public ulong DeviceFeatures { get; }

    public int ConfigSize { get; }

    /// <summary>True between a successful <see cref="Activate"/> and the next <see cref="Reset"/>.</summary>
    public bool IsActive => _active;

    /// <summary>Connects the device to its transport (once).</summary>
    public void AttachHost(IVirtioDeviceHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        lock (_hostLock)
        {
            if (_host is not null)
                throw new InvalidOperationException("The device is already attached to a transport.");
            _host = host;
        }
    }

    // ---- configuration space (§2.5) --------------------------------------------------------

    /// <summary>A driver read of the configuration space at any offset and width; never throws.</summary>
    public void ReadConfig(ulong offset, Span<byte> data)
    {
        data.Clear();
        if (!Clip(offset, data.Length, out int start, out int length))
            return;
        try
        {
            lock (_configLock)
                ReadConfigBytes(start, data[..length]);
        }
        catch (Exception e)
        {
            data.Clear();
            ReportNeedsReset($"configuration read failed: {e.Message}");
        }
    }

    /// <summary>A driver write to the configuration space at any offset and width; never throws.</summary>
    public void WriteConfig(ulong offset, ReadOnlySpan<byte> data)
    {
        if (!Clip(offset, data.Length, out int start, out int length))
            return;
        try
        {
            lock (_configLock)
                WriteConfigBytes(start, data[..length]);
        }
        catch (Exception e)
        {
            ReportNeedsReset($"configuration write failed: {e.Message}");
        }
    }

    /// <summary>Reads [offset, offset + data.Length), which lies inside the configuration space.</summary>
    protected abstract void ReadConfigBytes(int offset, Span<byte> data);

    /// <summary>Writes [offset, offset + data.Length), inside the configuration space; read-only fields must ignore it. Default: everything is read-only.</summary>
    protected virtual void WriteConfigBytes(int offset, ReadOnlySpan<byte> data)
    {
    }

    // ---- life cycle -----------------------------------------------------------------------

    /// <summary>Starts the device (transport, at DRIVER_OK). Returns false, with the device reported as needing reset, when <see cref="OnActivate"/> failed.</summary>
    public bool Activate(VirtioActivation activation)
    {
        ArgumentNullException.ThrowIfNull(activation);
        try
        {
            OnActivate(activation);
            _active = true;
            return true;
        }
        catch (Exception e)
        {
            SafeReset();
            ReportNeedsReset($"activation failed: {e.Message}");
            return false;
        }
    }

    /// <summary>Stops all work and returns the device to its initial state (see the reset contract above). Never throws.</summary>
    public void Reset()
    {
        _active = false;
        SafeReset();
    }

    /// <summary>The driver notified queue <paramref name="queue"/> (an enabled queue of the current activation). Never throws.</summary>
    public void QueueNotify(int queue)
    {
        if (!_active || (uint)queue >= (uint)QueueCount)
            return;
        try
        {
            OnQueueNotify(queue);
        }
        catch (Exception e)
        {
            ReportNeedsReset($"queue {queue} notification failed: {e.Message}");
        }
    }

    protected abstract void OnActivate(VirtioActivation activation);

    protected abstract void OnReset();

    protected abstract void OnQueueNotify(int queue);

    // ---- reports to the transport ---------------------------------------------------------

    /// <summary>
    /// Changes configuration fields (e.g. capacity after a resize) atomically with respect to
    /// driver reads, then bumps config_generation and notifies the driver (§2.5.1, §4.1.4.3.1).
    /// <paramref name="update"/> must not call back into the transport.
    /// </summary>
    protected void ChangeConfiguration(Action update)
    {
        ArgumentNullException.ThrowIfNull(update);
        lock (_configLock)
        {
            update();
            Host?.ConfigurationChanged();
        }
    }

    /// <summary>Announces a change the device already made with one atomic store (a single field no wider than the driver's reads).</summary>
    protected void ReportConfigurationChanged() => Host?.ConfigurationChanged();

    /// <summary>The device cannot go on without a reset (malformed guest data, internal error).</summary>
    protected void ReportNeedsReset(string reason) => Host?.DeviceNeedsReset(reason);

    private IVirtioDeviceHost? Host { get { lock (_hostLock) return _host; } }

    private void SafeReset()
    {
        try
        {
            OnReset();
        }
        catch (Exception e)
        {
            ReportNeedsReset($"reset failed: {e.Message}");
        }
    }

    private bool Clip(ulong offset, int length, out int start, out int clippedLength)
    {
        start = 0;
        clippedLength = 0;
        if (length <= 0 || offset >= (ulong)ConfigSize)
            return false;
        // offset < ConfigSize <= 4096: the slice starts at data[0].
        start = (int)offset;
        clippedLength = Math.Min(length, ConfigSize - start);
        return true;
    }
}
