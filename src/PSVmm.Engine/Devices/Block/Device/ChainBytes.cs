using PSVmm.Engine.Memory;
using PSVmm.Engine.Virtio.Queues;

namespace PSVmm.Engine.Devices.Block.Device;

/// <summary>
/// Byte-offset views of a run of descriptor-chain segments (the readable part or the writable
/// part), which the driver may split at any byte boundary (virtio 1.2 §2.7.4.1: no framing).
/// </summary>
internal static class ChainBytes
{
    /// <summary>Copies bytes [offset, offset + destination.Length) of <paramref name="segments"/>; the caller checked the total length.</summary>
    public static void Read(IGuestMemory memory, ReadOnlySpan<BufferSegment> segments, ulong offset, Span<byte> destination)
    {
        foreach (var piece in Slice(segments, offset, (ulong)destination.Length))
        {
            memory.Read(piece.Address, destination[..(int)piece.Length]);
            destination = destination[(int)piece.Length..];
        }
    }

    /// <summary>Writes <paramref name="source"/> at byte <paramref name="offset"/> of <paramref name="segments"/>.</summary>
    public static void Write(IGuestMemory memory, ReadOnlySpan<BufferSegment> segments, ulong offset, ReadOnlySpan<byte> source)
    {
        foreach (var piece in Slice(segments, offset, (ulong)source.Length))
        {
            memory.Write(piece.Address, source[..(int)piece.Length]);
            source = source[(int)piece.Length..];
        }
    }

    /// <summary>The guest ranges covering bytes [offset, offset + length) of <paramref name="segments"/>, in order.</summary>
    public static List<BufferSegment> Slice(ReadOnlySpan<BufferSegment> segments, ulong offset, ulong length)
    {
        var pieces = new List<BufferSegment>();
        foreach (var segment in segments)
        {
            if (length == 0)
                break;

            if (offset >= segment.Length)
            {
                offset -= segment.Length;
                continue;
            }

            uint take = (uint)Math.Min(segment.Length - offset, length);
            if (take > 0)
                pieces.Add(new BufferSegment(segment.Address + offset, take, segment.IsWritable));

            length -= take;
            offset = 0;
        }

        if (length != 0)
            throw new ArgumentOutOfRangeException(nameof(length), "range runs past the segments");

        return pieces;
    }
}
