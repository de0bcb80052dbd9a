using PSVmm.Engine.Bus;
using PSVmm.Engine.Interrupts;
using PSVmm.Engine.Platform;

namespace PSVmm.Engine.Pci;

/// <summary>
/// The PCI root complex as the machine wires it: bus 0 with its host bridge, conf1 on ports
/// 0xCF8-0xCFF, ECAM at <see cref="MemoryLayout.EcamAddress"/>, and a <see cref="PciBarMapper"/>
/// that keeps BAR regions on the MMIO/port buses. Typical use: Add devices, then
/// <see cref="AssignBars"/> before the vCPUs start.
/// </summary>
public sealed class PciRoot
{
    private readonly BarAllocator _allocator;
    private readonly object _intxLock = new();
    private PciIntxLines? _intxLines;

    public PciRoot(IoBus mmio, IoBus pio, PciWindows windows, Func<ulong, ulong, bool> overlapsRam)
    {
        ArgumentNullException.ThrowIfNull(mmio);
        ArgumentNullException.ThrowIfNull(pio);
        Bus = new PciBus();
        Conf1 = new PciConf1Region(Bus);
        Ecam = new PciEcamRegion(Bus);
        Mapper = new PciBarMapper(mmio, pio, windows, overlapsRam);
        _allocator = new BarAllocator(windows);
        pio.Register(MemoryLayout.PciConfigAddressPort, PciConf1Region.PortCount, Conf1, "pci-conf1");
        mmio.Register(MemoryLayout.EcamAddress, MemoryLayout.EcamSize, Ecam, "pci-ecam");
        Mapper.Attach(Bus.HostBridge);
    }

    public PciBus Bus { get; }
    public PciConf1Region Conf1 { get; }
    public PciEcamRegion Ecam { get; }
    public PciBarMapper Mapper { get; }

    /// <summary>Adds a function (see <see cref="PciBus.Add"/>) and lets the mapper follow its BARs.</summary>
    public PciAddress Add(IPciDevice device, int? slot = null, int function = 0)
    {
        var address = Bus.Add(device, slot, function);
        Mapper.Attach(device);
        return address;
    }

    /// <summary>Firmware-style BAR placement for every function added since the last call.</summary>
    public void AssignBars() => Mapper.AssignInitialAddresses(_allocator);

    /// <summary>
    /// An INTx helper for <paramref name="device"/> routed by its slot (<see cref="PciIntxRouting.GsiFor"/>).
    /// All helpers share one wired-OR per GSI, so every call must pass the same sink.
    /// </summary>
    public PciIntx CreateIntx(IPciDevice device, IInterruptSink sink)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(sink);
        var address = Bus.AddressOf(device) ?? throw new InvalidOperationException($"'{device.Name}' is not on the PCI bus.");
        PciIntxLines lines;
        lock (_intxLock)
        {
            _intxLines ??= new PciIntxLines(sink);
            if (!ReferenceEquals(_intxLines.Sink, sink))
                throw new InvalidOperationException("Every INTx line of a PCI root must use the same interrupt sink.");
            lines = _intxLines;
        }
        return new PciIntx(device.Config, lines, address.Device);
    }

    /// <summary>Snapshots of every function, BARs reported as enabled while mapped.</summary>
    public IReadOnlyList<PciDeviceInfo> GetDeviceInfos() => Bus.GetDeviceInfos(Mapper);
}
