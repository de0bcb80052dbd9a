using System.Buffers.Binary;
using PSVmm.Engine.Bus;

namespace PSVmm.Engine.Pci;

/// <summary>
/// Configuration mechanism #1 (PCI Local Bus 3.0 §3.2.2.3.2): the 8 ports 0xCF8..0xCFF.
/// CONFIG_ADDRESS (0xCF8, offsets 0-3) latches only on a full dword write: bit 31 enable,
/// 23:16 bus, 15:11 device, 10:8 function, 7:2 dword register (bits 1:0 read as 0, 30:24
/// reserved and dropped). CONFIG_DATA (0xCFC..0xCFF, offsets 4-7) reaches register + (port - 0xCFC)
/// with byte/word/dword width. With the enable bit clear data reads are all-ones and writes
/// are dropped. Register it at <see cref="Platform.MemoryLayout.PciConfigAddressPort"/> with length <see cref="PortCount"/>.
/// </summary>
public sealed class PciConf1Region : IDeviceRegion
{
    public const int PortCount = 8;
    private const uint EnableBit = 0x8000_0000;
    private const uint ImplementedAddressBits = EnableBit | 0x00FF_FFFC;

    private readonly PciBus _bus;
    private uint _address;

    public PciConf1Region(PciBus bus) => _bus = bus ?? throw new ArgumentNullException(nameof(bus));

    /// <summary>The latched CONFIG_ADDRESS value (vCPUs share one latch, as on real chipsets).</summary>
    public uint ConfigAddress => Volatile.Read(ref _address);

    public void Read(ulong offset, Span<byte> data)
    {
        if (offset < 4 && offset + (ulong)data.Length <= 4)
        {
            Span<byte> latch = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(latch, ConfigAddress);
            latch.Slice((int)offset, data.Length).CopyTo(data);
            return;
        }
        if (!TryDecodeData(offset, data.Length, out int bus, out int device, out int function, out int register))
        {
            data.Fill(0xFF);
            return;
        }
        _bus.ReadConfig(bus, device, function, register, data);
    }

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        if (offset == 0 && data.Length == 4)
        {
            Volatile.Write(ref _address, BinaryPrimitives.ReadUInt32LittleEndian(data) & ImplementedAddressBits);
            return;
        }
        if (TryDecodeData(offset, data.Length, out int bus, out int device, out int function, out int register))
            _bus.WriteConfig(bus, device, function, register, data);
    }

    private bool TryDecodeData(ulong offset, int length, out int bus, out int device, out int function, out int register)
    {
        bus = device = function = register = 0;
        if (offset < 4 || offset >= PortCount || length == 0 || offset + (ulong)length > PortCount)
            return false;
        uint address = ConfigAddress;
        if ((address & EnableBit) == 0)
            return false;
        bus = (int)(address >> 16) & 0xFF;
        device = (int)(address >> 11) & 0x1F;
        function = (int)(address >> 8) & 0x7;
        register = (int)(address & 0xFC) + (int)(offset - 4);
        return true;
    }
}
