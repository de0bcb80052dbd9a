using PSVmm.Engine.Bus;
using PSVmm.Engine.Interrupts;
using PSVmm.Engine.Memory;
using PSVmm.Engine.Pci;
using PSVmm.Engine.Pci.Msix;
using PSVmm.Engine.Virtio.Queues;

namespace PSVmm.Engine.Virtio.Transport;

/// <summary>
/// A virtio device on PCI (virtio 1.2 §4.1), modern by default: vendor 0x1AF4, device
/// 0x1040 + type, revision 1, INTA#, one memory BAR laid out as <see cref="VirtioPciLayout"/>
/// describes, the five virtio vendor capabilities (common, notify, ISR, device, PCI
/// configuration access) and MSI-X with one vector per queue plus one for configuration changes.
///
/// <para>The transport composes the common configuration registers (<see cref="VirtioPciCommonConfig"/>)
/// with the capability layout, notifications, the ISR, interrupt routing (MSI-X or INTx) and the
/// device's activation and reset.</para>
///
/// <para><b>Threads and locks.</b> vCPU threads access registers; iothreads signal used buffers
/// and report device errors. Two locks, always taken in this order:</para>
/// <list type="number">
/// <item><c>_lifecycleLock</c> serialises device_status writes (reset and activation). It is held
/// while <see cref="VirtioDevice.Reset"/> / <see cref="VirtioDevice.Activate"/> run, with
/// <c>_lock</c> released, so a device that waits in Reset for its iothread cannot deadlock
/// against that iothread signalling an interrupt. Iothreads never take it.</item>
/// <item><c>_lock</c>, the register lock, guards all register state: the common configuration
/// (which has no lock of its own), the ISR, the activation handle, the INTx line and the
/// counters. It is held only for short, non-blocking work and is taken before the MSI-X table's,
/// the INTx line's and each <see cref="Virtqueue"/>'s own lock.</item>
/// </list>
/// <para>Method suffixes: <c>…Locked</c>: the caller holds <c>_lock</c>. <c>…InLifecycle</c>: the
/// caller holds <c>_lifecycleLock</c> and not <c>_lock</c> (the method takes <c>_lock</c> for short
/// spans itself and calls the device between them). Before the device is reset the activation is
/// revoked under <c>_lock</c>, so late interrupts from in-flight work are dropped.</para>
///
/// <para>Integration: construct, then <see cref="AttachTo"/> a <see cref="PciRoot"/> (adds the
/// function and wires INTx), then <see cref="PciRoot.AssignBars"/>. Trapped queue notifications go
/// to <see cref="VirtioDevice.QueueNotify"/> inline on the vCPU thread; an ioeventfd path calls
/// <see cref="DeliverNotify"/> for the addresses of <see cref="GetNotifyAddresses(ulong)"/>.</para>
///
/// With <c>transitional</c> the function also offers the legacy interface (I/O BAR 0, device ID
/// 0x1000 + type - 1, revision 0; see VirtioPciTransport.Legacy.cs).
///
/// Not implemented: VIRTIO_F_RING_RESET (queue_reset reads 0, writes are ignored),
/// VIRTIO_F_NOTIFICATION_DATA (queue_notify_data reads 0), shared memory capabilities, and
/// gating of DMA/MSI-X on the command register's bus master enable (drivers set it first).
/// </summary>
public sealed partial class VirtioPciTransport : PciFunction
{
    public const ushort VendorId = 0x1AF4;
    public const ushort ModernDeviceIdBase = 0x1040;
    public const byte Revision = 1;

    /// <summary>What the transport offers besides the device's bits: VERSION_1, RING_PACKED, EVENT_IDX, INDIRECT_DESC (never ACCESS_PLATFORM: there is no IOMMU).</summary>
    public const ulong DefaultTransportFeatures = VirtioFeatures.Version1 | VirtioFeatures.RingPacked | VirtioFeatures.EventIdx | VirtioFeatures.IndirectDesc;

    private readonly object _lock = new();
    private readonly object _lifecycleLock = new();
    private readonly IGuestMemory _memory;
    private readonly Virtqueue[] _rings;
    private readonly PciSubregionMap _bar;
    private readonly DelegateRegion? _legacyRegion;
    private PciIntx? _intx;

    public VirtioPciTransport(string name, VirtioDevice device, IGuestMemory memory, IInterruptSink msiSink,
        ulong transportFeatures = DefaultTransportFeatures, bool transitional = false)
        : base(name, IdentityFor(device, transitional))
    {
        IsTransitional = transitional;
        ArgumentNullException.ThrowIfNull(msiSink);
        Device = device;
        _memory = memory ?? throw new ArgumentNullException(nameof(memory));
        if ((transportFeatures & ~VirtioDevice.TransportFeatureMask) != 0)
            throw new ArgumentException("Transport features must lie in bits 24-49.", nameof(transportFeatures));
        if ((transportFeatures & VirtioFeatures.Version1) == 0)
            throw new ArgumentException("A modern transport must offer VIRTIO_F_VERSION_1.", nameof(transportFeatures));

        int vectors = device.QueueCount + 1;
        _common = new VirtioPciCommonConfig(device.DeviceFeatures | transportFeatures, device.QueueCount, device.MaxQueueSize, vectors);
        _rings = new Virtqueue[device.QueueCount];
        for (int q = 0; q < _rings.Length; q++)
            _rings[q] = new Virtqueue(q, device.MaxQueueSize, _memory);

        if (transitional)
        {
            if (VirtioPciCommonConfig.LegacyHeaderLength + device.ConfigSize > (int)PciBarDefinition.MaxIoSize)
                throw new ArgumentException("The device configuration does not fit a legacy I/O BAR.", nameof(transitional));
            Config.AddBar(LegacyBar, PciBarKind.Io, LegacyBarSize(device.ConfigSize));
            _legacyRegion = new DelegateRegion(ReadLegacy, WriteLegacy);
        }

        ulong barSize = VirtioPciLayout.BarSize(vectors);
        Config.AddBar(VirtioPciLayout.Bar, PciBarKind.Memory64, barSize);
        AddStructureCapabilities(device);
        ulong pbaOffset = VirtioPciLayout.PbaOffset(vectors);
        Msix = new MsixCapability(Config, vectors, msiSink, VirtioPciLayout.Bar, (uint)VirtioPciLayout.MsixTableOffset,
            VirtioPciLayout.Bar, (uint)pbaOffset);

        _bar = new PciSubregionMap(barSize)
            .Add(VirtioPciLayout.CommonOffset, VirtioPciLayout.CommonLength, new DelegateRegion(ReadCommon, WriteCommon))
            .Add(VirtioPciLayout.IsrOffset, VirtioPciLayout.IsrRegionLength, new DelegateRegion(ReadIsr, static (_, _) => { }))
            .Add(VirtioPciLayout.DeviceConfigOffset, VirtioPciLayout.PageSize, new DelegateRegion(ReadDeviceConfig, WriteDeviceConfig))
            .Add(VirtioPciLayout.NotifyOffset, VirtioPciLayout.NotifyLength(device.QueueCount), new DelegateRegion(static (_, d) => d.Clear(), WriteNotify))
            .Add(VirtioPciLayout.MsixTableOffset, (ulong)Msix.Table.TableSize, Msix.Table.TableRegion)
            .Add(pbaOffset, (ulong)Msix.Table.PbaSize, Msix.Table.PbaRegion);

        device.AttachHost(new DeviceHost(this));
    }

    public VirtioDevice Device { get; }

    public MsixCapability Msix { get; }

    /// <summary>Device-specific plus transport feature bits offered in device_feature.</summary>
    public ulong OfferedFeatures => _common.OfferedFeatures;

    public int QueueCount => _rings.Length;

    /// <summary>The INTx line, once <see cref="ConnectIntx"/> or <see cref="AttachTo"/> wired it.</summary>
    public PciIntx? Intx { get { lock (_lock) return _intx; } }

    public override IDeviceRegion? GetBarRegion(int index) => index switch
    {
        VirtioPciLayout.Bar => _bar,
        LegacyBar => _legacyRegion,
        _ => null,
    };

    /// <summary>Adds the function to <paramref name="root"/> (at <paramref name="slot"/> or the first free slot) and wires its INTA# through <paramref name="intxSink"/>.</summary>
    public PciAddress AttachTo(PciRoot root, IInterruptSink intxSink, int? slot = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        var address = root.Add(this, slot);
        ConnectIntx(root.CreateIntx(this, intxSink));
        return address;
    }

    /// <summary>Uses <paramref name="intx"/> for interrupts while MSI-X is disabled (without it, INTx only sets ISR bits).</summary>
    public void ConnectIntx(PciIntx intx)
    {
        ArgumentNullException.ThrowIfNull(intx);
        lock (_lock) _intx = intx;
    }

    private static PciIdentity IdentityFor(VirtioDevice device, bool transitional)
    {
        ArgumentNullException.ThrowIfNull(device);
        ushort type = (ushort)device.DeviceType;
        // §4.1.2.1: modern device ID 0x1040 + type, revision ID ≥ 1 (subsystem IDs are free);
        // transitional device ID 0x1000 + type - 1, revision ID 0, subsystem device ID = type.
        if (transitional && (type < 1 || type > 0x3F))
            throw new ArgumentException($"Device type {type} has no transitional PCI device ID.", nameof(device));
        return new PciIdentity(VendorId,
            transitional ? (ushort)(TransitionalDeviceIdBase + type - 1) : (ushort)(ModernDeviceIdBase + type),
            ClassCodeFor(device.DeviceType), transitional ? (byte)0 : Revision,
            SubsystemVendorId: VendorId, SubsystemId: type, InterruptPin: 1);
    }

    /// <summary>The PCI class code Linux and QEMU use for each device type (PCI Code and ID Assignment).</summary>
    public static uint ClassCodeFor(VirtioDeviceType type) => type switch
    {
        VirtioDeviceType.Block => 0x01_80_00,        // mass storage, other
        VirtioDeviceType.Scsi => 0x01_00_00,         // mass storage, SCSI
        VirtioDeviceType.Network => 0x02_00_00,      // network, Ethernet
        VirtioDeviceType.Console => 0x07_80_00,      // communication, other
        VirtioDeviceType.Gpu => 0x03_80_00,          // display, other
        VirtioDeviceType.Input => 0x09_80_00,        // input, other
        _ => 0x00_FF_00,                             // unclassified
    };

    /// <summary>A copy of the transport's registers for cmdlets.</summary>
    public VirtioDeviceInfo GetInfo()
    {
        lock (_lock)
        {
            return new VirtioDeviceInfo(Name, Device.DeviceType, _common.Status, OfferedFeatures, _common.DriverFeatures,
                _common.NegotiatedFeatures, _common.Generation, _common.ConfigVector, _isr, _common.NeedsResetReason,
                _activation is not null, IsTransitional, _common.LegacyMode,
                _common.Queues(),
                _rings.Select(q => q.Snapshot()).ToArray(),
                new VirtioTransportCounters(_notifications, _ignoredNotifications, _common.IgnoredWrites, _queueInterrupts,
                    _configInterrupts, _resets, _activations, _common.RefusedFeatures));
        }
    }
}
