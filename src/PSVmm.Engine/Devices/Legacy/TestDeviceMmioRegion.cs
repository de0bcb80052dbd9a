using System.Buffers.Binary;
using PSVmm.Engine.Bus;

namespace PSVmm.Engine.Devices.Legacy;

/// <summary>The MMIO face of <see cref="TestDevice"/> (map and access widths in its summary).</summary>
internal sealed class TestDeviceMmioRegion(TestDevice device) : IDeviceRegion
{
    private const ulong PageSize = 0x1000;

    public void Read(ulong offset, Span<byte> data)
    {
        for (int i = 0; i < data.Length; i++)
        {
            ulong address = offset + (ulong)i;
            if (address < offset || address >= PageSize)
            {
                data[i] = 0;
                continue;
            }
            uint register = device.ReadMmioRegister((uint)(address & ~3UL));
            data[i] = (byte)(register >> (8 * (int)(address & 3)));
        }
    }

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        int width = data.Length;
        if ((width != 4 && width != 8) || (offset & (ulong)(width - 1)) != 0 || offset >= PageSize || offset + (ulong)width > PageSize)
            return;
        for (int i = 0; i < width; i += 4)
            device.WriteMmioRegister((uint)offset + (uint)i, BinaryPrimitives.ReadUInt32LittleEndian(data[i..]));
    }
}
