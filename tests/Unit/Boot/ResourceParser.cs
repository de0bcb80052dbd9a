using System.Buffers.Binary;

namespace PSVmm.Tests.Boot;

/// <summary>Decodes resource descriptors (ACPI 6.5 §6.4) back into values; fails on unknown or truncated items or a missing End Tag.</summary>
internal static class ResourceParser
{
    public abstract record Resource;
    public sealed record Io(ushort Minimum, ushort Maximum, byte Length) : Resource;
    public sealed record Irq(ushort Mask) : Resource;
    public sealed record FixedMemory(ulong Base, ulong Length) : Resource;
    public sealed record Address(byte Type, ulong Minimum, ulong Maximum, ulong Length) : Resource;
    public sealed record ExtendedInterrupt(byte Flags, uint Gsi) : Resource;

    public static List<Resource> Parse(byte[] data)
    {
        var result = new List<Resource>();
        int pos = 0;
        while (true)
        {
            if (pos >= data.Length)
                throw new FormatException("No End Tag.");
            byte tag = data[pos];
            if ((tag & 0x80) == 0)
            {
                int length = tag & 0x07;
                int name = (tag >> 3) & 0x0F;
                var body = data.AsSpan(pos + 1, length);
                pos += 1 + length;
                switch (name)
                {
                    case 0x0F:
                        if (pos != data.Length) throw new FormatException("Bytes after the End Tag.");
                        return result;
                    case 0x08:
                        result.Add(new Io(BinaryPrimitives.ReadUInt16LittleEndian(body[1..]), BinaryPrimitives.ReadUInt16LittleEndian(body[3..]), body[6]));
                        break;
                    case 0x04:
                        result.Add(new Irq(BinaryPrimitives.ReadUInt16LittleEndian(body)));
                        break;
                    default:
                        throw new FormatException($"Unexpected small item 0x{name:X}.");
                }
            }
            else
            {
                int length = BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(pos + 1));
                var body = data.AsSpan(pos + 3, length);
                pos += 3 + length;
                switch (tag)
                {
                    case 0x86:
                        result.Add(new FixedMemory(BinaryPrimitives.ReadUInt32LittleEndian(body[1..]), BinaryPrimitives.ReadUInt32LittleEndian(body[5..])));
                        break;
                    case 0x88:
                        result.Add(new Address(body[0], BinaryPrimitives.ReadUInt16LittleEndian(body[5..]), BinaryPrimitives.ReadUInt16LittleEndian(body[7..]), BinaryPrimitives.ReadUInt16LittleEndian(body[11..])));
                        break;
                    case 0x87:
                        result.Add(new Address(body[0], BinaryPrimitives.ReadUInt32LittleEndian(body[7..]), BinaryPrimitives.ReadUInt32LittleEndian(body[11..]), BinaryPrimitives.ReadUInt32LittleEndian(body[19..])));
                        break;
                    case 0x8A:
                        result.Add(new Address(body[0], BinaryPrimitives.ReadUInt64LittleEndian(body[11..]), BinaryPrimitives.ReadUInt64LittleEndian(body[19..]), BinaryPrimitives.ReadUInt64LittleEndian(body[35..])));
                        break;
                    case 0x89:
                        result.Add(new ExtendedInterrupt(body[0], BinaryPrimitives.ReadUInt32LittleEndian(body[2..])));
                        break;
                    default:
                        throw new FormatException($"Unexpected large item 0x{tag:X2}.");
                }
            }
        }
    }
}
