using PSVmm.Engine.Bus;

namespace PSVmm.Engine.Pci;

/// <summary>
/// The enhanced configuration access mechanism (PCI Express Base §7.2.2): a memory window where
/// offset = bus &lt;&lt; 20 | device &lt;&lt; 15 | function &lt;&lt; 12 | register. Register it at
/// <see cref="Platform.MemoryLayout.EcamAddress"/> with length <see cref="Platform.MemoryLayout.EcamSize"/>.
/// An access crossing a function's 4 KiB reads all-ones and its write is dropped.
/// </summary>
public sealed class PciEcamRegion : IDeviceRegion
{
    private readonly PciBus _bus;

    public PciEcamRegion(PciBus bus) => _bus = bus ?? throw new ArgumentNullException(nameof(bus));

    public static ulong OffsetOf(int bus, int device, int function, int register) =>
        (ulong)bus << 20 | (ulong)device << 15 | (ulong)function << 12 | (uint)register;

    public void Read(ulong offset, Span<byte> data)
    {
        if (!TryDecode(offset, data.Length, out int bus, out int device, out int function, out int register))
        {
            data.Fill(0xFF);
            return;
        }
        _bus.ReadConfig(bus, device, function, register, data);
    }

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        if (TryDecode(offset, data.Length, out int bus, out int device, out int function, out int register))
            _bus.WriteConfig(bus, device, function, register, data);
    }

    private static bool TryDecode(ulong offset, int length, out int bus, out int device, out int function, out int register)
    {
        bus = device = function = register = 0;
        if (length == 0 || offset >= 1UL << 28)
            return false;
        register = (int)(offset & 0xFFF);
        if (register + length > PciConfigRegisters.ExtendedSize)
            return false;
        bus = (int)(offset >> 20) & 0xFF;
        device = (int)(offset >> 15) & 0x1F;
        function = (int)(offset >> 12) & 0x7;
        return true;
    }
}
