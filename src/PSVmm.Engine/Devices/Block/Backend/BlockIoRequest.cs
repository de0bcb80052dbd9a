namespace PSVmm.Engine.Devices.Block.Backend;

/// <summary>
/// One request to an <see cref="IBlockBackend"/>. Offsets and lengths are in bytes.
/// <see cref="UserData"/> comes back unchanged in the <see cref="BlockCompletion"/>.
/// </summary>
public sealed class BlockIoRequest
{
    private BlockIoRequest(BlockIoKind kind, long offset, long length, BlockSegment[] segments, bool unmap, ulong userData)
    {
        Kind = kind;
        Offset = offset;
        Length = length;
        Segments = segments;
        Unmap = unmap;
        UserData = userData;
    }

    public BlockIoKind Kind { get; }

    public long Offset { get; }

    /// <summary>Bytes the request covers: the sum of the segments for Read/Write, the range for Discard/WriteZeroes, 0 for Flush.</summary>
    public long Length { get; }

    /// <summary>The scatter list of a Read or Write; empty otherwise.</summary>
    public IReadOnlyList<BlockSegment> Segments { get; }

    /// <summary>WriteZeroes only: the range may be deallocated (virtio-blk VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP).</summary>
    public bool Unmap { get; }

    public ulong UserData { get; }

    public static BlockIoRequest Read(long offset, BlockSegment[] segments, ulong userData = 0) =>
        new(BlockIoKind.Read, offset, SumLengths(segments), segments, false, userData);

    public static BlockIoRequest Write(long offset, BlockSegment[] segments, ulong userData = 0) =>
        new(BlockIoKind.Write, offset, SumLengths(segments), segments, false, userData);

    public static BlockIoRequest Flush(ulong userData = 0) =>
        new(BlockIoKind.Flush, 0, 0, [], false, userData);

    public static BlockIoRequest Discard(long offset, long length, ulong userData = 0) =>
        new(BlockIoKind.Discard, offset, length, [], false, userData);

    public static BlockIoRequest WriteZeroes(long offset, long length, bool unmap, ulong userData = 0) =>
        new(BlockIoKind.WriteZeroes, offset, length, [], unmap, userData);

    private static long SumLengths(BlockSegment[] segments)
    {
        ArgumentNullException.ThrowIfNull(segments);
        long total = 0;
        foreach (var segment in segments)
            total += segment.Length;

        return total;
    }
}
