using System.Buffers.Binary;
using PSVmm.Engine.Bus;
using PSVmm.Engine.Pci;

namespace PSVmm.Tests.Pci;

/// <summary>Typed helpers over raw config/region accesses, the way a guest driver performs them.</summary>
internal static class ConfigAccess
{
    public static uint Read32(this PciConfigSpace c, int offset) { Span<byte> b = stackalloc byte[4]; c.Read(offset, b); return BinaryPrimitives.ReadUInt32LittleEndian(b); }
    public static ushort Read16(this PciConfigSpace c, int offset) { Span<byte> b = stackalloc byte[2]; c.Read(offset, b); return BinaryPrimitives.ReadUInt16LittleEndian(b); }
    public static byte Read8(this PciConfigSpace c, int offset) { Span<byte> b = stackalloc byte[1]; c.Read(offset, b); return b[0]; }
    public static void Write32(this PciConfigSpace c, int offset, uint v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); c.Write(offset, b); }
    public static void Write16(this PciConfigSpace c, int offset, ushort v) { Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, v); c.Write(offset, b); }
    public static void Write8(this PciConfigSpace c, int offset, byte v) => c.Write(offset, [v]);

    public static uint Read32(this IPciDevice d, int offset) { Span<byte> b = stackalloc byte[4]; d.ReadConfig(offset, b); return BinaryPrimitives.ReadUInt32LittleEndian(b); }
    public static void Write32(this IPciDevice d, int offset, uint v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); d.WriteConfig(offset, b); }
    public static void Write16(this IPciDevice d, int offset, ushort v) { Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, v); d.WriteConfig(offset, b); }

    public static ulong Read(this IDeviceRegion r, ulong offset, int size)
    {
        Span<byte> b = stackalloc byte[8];
        r.Read(offset, b[..size]);
        return BinaryPrimitives.ReadUInt64LittleEndian(b);
    }

    public static void Write(this IDeviceRegion r, ulong offset, int size, ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        r.Write(offset, b[..size]);
    }

    public static ulong Read(this IoBus bus, ulong address, int size)
    {
        Span<byte> b = stackalloc byte[8];
        b.Clear();
        bus.Read(address, b[..size]);
        return BinaryPrimitives.ReadUInt64LittleEndian(b);
    }

    public static bool Write(this IoBus bus, ulong address, int size, ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        return bus.Write(address, b[..size]);
    }
}
