using System.Buffers.Binary;
using PSVmm.Engine.Bus;
using PSVmm.Engine.Interrupts;
using PSVmm.Engine.Pci;
using PSVmm.Engine.Pci.Msix;

namespace PSVmm.Tests.Pci;

/// <summary>
/// A PCI function for tests: BAR0 32-bit memory (4 KiB scratch), BAR1 I/O (32 ports scratch),
/// BAR2 64-bit prefetchable memory (16 KiB: MSI-X table at 0, PBA at 0x800, scratch at 0x1000),
/// one vendor capability before MSI-X, INTA#.
/// </summary>
internal sealed class TestPciFunction : PciFunction
{
    public const ushort Vendor = 0x1AF4;
    public const ushort Device = 0x10F0;
    public const uint Class = 0x0D_80_00;
    public const int Vectors = 4;
    public const ulong Bar2ScratchOffset = 0x1000;
    public const ulong Bar2Size = 0x4000;

    private readonly IDeviceRegion[] _regions = new IDeviceRegion[3];

    public TestPciFunction(string name, IInterruptSink sink, byte pin = 1)
        : base(name, new PciIdentity(Vendor, Device, Class, Revision: 0x02, SubsystemVendorId: 0x1AF4, SubsystemId: 0x0042, InterruptPin: pin))
    {
        Config.AddBar(0, PciBarKind.Memory32, 0x1000);
        Config.AddBar(1, PciBarKind.Io, 0x20);
        Config.AddBar(2, PciBarKind.Memory64, Bar2Size, prefetchable: true);
        VendorCapabilityOffset = Config.AddVendorCapability([0xAA, 0xBB, 0xCC, 0xDD, 0xEE]);
        Msix = new MsixCapability(Config, Vectors, sink, tableBar: 2, tableOffset: 0, pbaBar: 2, pbaOffset: 0x800);

        Bar0 = new ScratchRegion(0x1000);
        Bar1 = new ScratchRegion(0x20);
        Bar2Scratch = new ScratchRegion(0x1000);
        _regions[0] = Bar0;
        _regions[1] = Bar1;
        _regions[2] = new PciSubregionMap(Bar2Size)
            .Add(0, (ulong)Msix.Table.TableSize, Msix.Table.TableRegion)
            .Add(0x800, (ulong)Msix.Table.PbaSize, Msix.Table.PbaRegion)
            .Add(Bar2ScratchOffset, 0x1000, Bar2Scratch);
    }

    public int VendorCapabilityOffset { get; }
    public MsixCapability Msix { get; }
    public ScratchRegion Bar0 { get; }
    public ScratchRegion Bar1 { get; }
    public ScratchRegion Bar2Scratch { get; }

    public override IDeviceRegion? GetBarRegion(int index) => index is >= 0 and < 3 ? _regions[index] : null;
}

/// <summary>Plain read/write memory behind a BAR; counts accesses.</summary>
internal sealed class ScratchRegion(int size) : IDeviceRegion
{
    private readonly byte[] _bytes = new byte[size];

    public int Accesses { get; private set; }

    public uint ReadDword(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(offset));

    public void Read(ulong offset, Span<byte> data)
    {
        Accesses++;
        if (offset > (ulong)_bytes.Length || (ulong)data.Length > (ulong)_bytes.Length - offset)
        {
            data.Fill(0xFF);
            return;
        }
        _bytes.AsSpan((int)offset, data.Length).CopyTo(data);
    }

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        Accesses++;
        if (offset > (ulong)_bytes.Length || (ulong)data.Length > (ulong)_bytes.Length - offset)
            return;
        data.CopyTo(_bytes.AsSpan((int)offset));
    }
}
