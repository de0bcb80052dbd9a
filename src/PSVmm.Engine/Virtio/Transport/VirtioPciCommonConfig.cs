namespace PSVmm.Engine.Virtio.Transport;

/// <summary>
/// The registers of the common configuration structure, struct virtio_pci_common_cfg (virtio 1.2
/// §4.1.4.3), with the rules the driver's accesses follow: the features, device_status and
/// config_generation of one device, and queue_size, queue_msix_vector, queue_enable and the ring
/// addresses of each queue (one <see cref="VirtioQueueConfig"/> per queue, replaced on every write).
/// The legacy interface reaches the same registers (VirtioPciCommonConfig.Legacy.cs).
///
/// <para>It has no lock of its own: the owning <see cref="VirtioPciTransport"/> calls every member
/// with its register lock held. It touches nothing outside itself (no interrupts, no device): a
/// member that needs the transport to act says so in its return value.</para>
/// </summary>
public sealed partial class VirtioPciCommonConfig
{
    public const int DeviceFeatureSelect = 0x00;  // le32 RW
    public const int DeviceFeature = 0x04;        // le32 RO
    public const int DriverFeatureSelect = 0x08;  // le32 RW
    public const int DriverFeature = 0x0C;        // le32 RW
    public const int ConfigMsixVector = 0x10;     // le16 RW
    public const int NumQueues = 0x12;            // le16 RO
    public const int DeviceStatus = 0x14;         // u8 RW
    public const int ConfigGeneration = 0x15;     // u8 RO
    public const int QueueSelect = 0x16;          // le16 RW
    public const int QueueSize = 0x18;            // le16 RW
    public const int QueueMsixVector = 0x1A;      // le16 RW
    public const int QueueEnable = 0x1C;          // le16 RW
    public const int QueueNotifyOff = 0x1E;       // le16 RO
    public const int QueueDesc = 0x20;            // le64 RW
    public const int QueueDriver = 0x28;          // le64 RW
    public const int QueueDevice = 0x30;          // le64 RW
    public const int QueueNotifyData = 0x38;      // le16 RO (VIRTIO_F_NOTIF_CONFIG_DATA; not offered: reads 0)
    public const int QueueReset = 0x3A;           // le16 RW (VIRTIO_F_RING_RESET; not offered: reads 0, writes ignored)

    private readonly VirtioQueueConfig[] _queues;
    private readonly int _vectorCount;
    private uint _deviceFeatureSelect;
    private uint _driverFeatureSelect;
    private ushort _queueSelect;

    /// <param name="offeredFeatures">device_feature: the device's bits and the transport's.</param>
    /// <param name="queueCount">num_queues.</param>
    /// <param name="maxQueueSize">The reset value of every queue_size.</param>
    /// <param name="vectorCount">Entries in the function's MSI-X table; larger vectors read back as NO_VECTOR.</param>
    internal VirtioPciCommonConfig(ulong offeredFeatures, int queueCount, ushort maxQueueSize, int vectorCount)
    {
        OfferedFeatures = offeredFeatures;
        _vectorCount = vectorCount;
        _queues = new VirtioQueueConfig[queueCount];
        for (int q = 0; q < queueCount; q++)
            _queues[q] = QueueAtReset(q, maxQueueSize);
    }

    public ulong OfferedFeatures { get; }

    /// <summary>driver_feature, all 64 bits, as the driver wrote them.</summary>
    public ulong DriverFeatures { get; private set; }

    /// <summary>The features in effect: set when FEATURES_OK (legacy: DRIVER_OK) is accepted, 0 until then.</summary>
    public ulong NegotiatedFeatures { get; private set; }

    /// <summary>config_msix_vector.</summary>
    public ushort ConfigVector { get; private set; } = VirtioQueueConfig.NoVector;

    /// <summary>config_generation: counts configuration changes and is not cleared by a reset, so a driver never sees an old generation again.</summary>
    public byte Generation { get; private set; }

    /// <summary>True while the driver uses the legacy interface (set by the transport on each access, cleared by reset).</summary>
    public bool LegacyMode { get; set; }

    /// <summary>Register writes ignored since creation (wrong width, read-only field or state, bit cleared in device_status).</summary>
    public long IgnoredWrites { get; private set; }

    public int QueueCount => _queues.Length;

    /// <summary>The registers of queue <paramref name="index"/> as they are now.</summary>
    public VirtioQueueConfig Queue(int index) => _queues[index];

    /// <summary>The registers of every queue, by index: the values themselves, which never change.</summary>
    public VirtioQueueConfig[] Queues() => [.. _queues];

    /// <summary>§2.4: the device changed its configuration (config_generation counts it).</summary>
    public void ConfigurationChanged() => Generation++;

    /// <summary>
    /// Device reset (§2.4, §4.1.4.3.2): every register returns to its initial value: status 0,
    /// selectors 0, no features, NO_VECTOR, each queue disabled at its maximum size with no addresses.
    /// config_generation and the counters keep counting.
    /// </summary>
    public void Reset()
    {
        ResetStatus();
        _deviceFeatureSelect = 0;
        _driverFeatureSelect = 0;
        DriverFeatures = 0;
        NegotiatedFeatures = 0;
        ConfigVector = VirtioQueueConfig.NoVector;
        _queueSelect = 0;
        for (int q = 0; q < _queues.Length; q++)
            _queues[q] = QueueAtReset(q, _queues[q].MaxSize);
        LegacyMode = false;
    }

    /// <summary>queue_notify_off is the queue index, so notify_off_multiplier 4 gives each queue its own dword.</summary>
    private static VirtioQueueConfig QueueAtReset(int index, ushort maxSize) =>
        new(index, maxSize, maxSize, Enabled: false, VirtioQueueConfig.NoVector, 0, 0, 0, NotifyOffset: (ushort)index);

    /// <summary>§4.1.5.1.2: a vector the function does not have reads back as NO_VECTOR.</summary>
    private ushort CheckedVector(ushort vector) => vector < _vectorCount ? vector : VirtioQueueConfig.NoVector;

    private bool TrySelectQueue(out int queue)
    {
        queue = _queueSelect;
        return _queueSelect < _queues.Length;
    }

    /// <summary>The selected queue if its layout may still change: not enabled, DRIVER_OK neither set nor being set.</summary>
    private bool TrySelectConfigurableQueue(out int queue) =>
        TrySelectQueue(out queue) && !_queues[queue].Enabled && !DriverOk && !DriverOkPending;
}
