namespace PSVmm.Engine.Virtio.Queues;

/// <summary>
/// A buffer popped from a virtqueue: its device-readable segments followed by its device-writable
/// segments (§2.7.4.2), each checked against guest RAM. Hand it back with
/// <see cref="IVirtqueue.AddUsed"/>.
/// </summary>
public sealed class DescriptorChain
{
    private readonly BufferSegment[] _segments;

    internal DescriptorChain(ushort id, ushort ringDescriptorCount, BufferSegment[] segments, int readableCount,
        ulong readableLength, ulong writableLength)
    {
        Id = id;
        RingDescriptorCount = ringDescriptorCount;
        _segments = segments;
        ReadableCount = readableCount;
        ReadableLength = (uint)readableLength;
        WritableLength = (uint)writableLength;
    }

    /// <summary>Split: the head descriptor index. Packed: the buffer id (§2.8.6).</summary>
    public ushort Id { get; }

    /// <summary>Descriptors the chain occupies in the ring (an indirect table counts as one).</summary>
    public ushort RingDescriptorCount { get; }

    public IReadOnlyList<BufferSegment> Segments => _segments;

    public int ReadableCount { get; }

    public int WritableCount => _segments.Length - ReadableCount;

    public ReadOnlySpan<BufferSegment> Readable => _segments.AsSpan(0, ReadableCount);

    public ReadOnlySpan<BufferSegment> Writable => _segments.AsSpan(ReadableCount);

    /// <summary>Total bytes the device may read.</summary>
    public uint ReadableLength { get; }

    /// <summary>Total bytes the device may write; the upper bound for AddUsed's written length.</summary>
    public uint WritableLength { get; }

    /// <summary>The queue incarnation (owner and generation) that popped this chain.</summary>
    internal object? Owner { get; set; }

    internal long Generation { get; set; }

    /// <summary>Set once the chain went back through AddUsed.</summary>
    internal bool Returned { get; set; }

    public override string ToString() =>
        $"chain {Id}: {ReadableCount} readable ({ReadableLength} bytes), {WritableCount} writable ({WritableLength} bytes)";
}
