using System.Buffers.Binary;

namespace PSVmm.Engine.Virtio.Queues;

/// <summary>struct virtq_desc (§2.7.5): le64 addr, le32 len, le16 flags, le16 next.</summary>
internal readonly record struct SplitDescriptor(ulong Address, uint Length, ushort Flags, ushort Next)
{
    public static SplitDescriptor Parse(ReadOnlySpan<byte> raw) => new(
        BinaryPrimitives.ReadUInt64LittleEndian(raw),
        BinaryPrimitives.ReadUInt32LittleEndian(raw[8..]),
        BinaryPrimitives.ReadUInt16LittleEndian(raw[12..]),
        BinaryPrimitives.ReadUInt16LittleEndian(raw[14..]));
}

/// <summary>struct pvirtq_desc (§2.8.13): le64 addr, le32 len, le16 id, le16 flags.</summary>
internal readonly record struct PackedDescriptor(ulong Address, uint Length, ushort Id, ushort Flags)
{
    public static PackedDescriptor Parse(ReadOnlySpan<byte> raw) => new(
        BinaryPrimitives.ReadUInt64LittleEndian(raw),
        BinaryPrimitives.ReadUInt32LittleEndian(raw[8..]),
        BinaryPrimitives.ReadUInt16LittleEndian(raw[12..]),
        BinaryPrimitives.ReadUInt16LittleEndian(raw[14..]));
}
