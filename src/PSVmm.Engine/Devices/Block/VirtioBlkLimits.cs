namespace PSVmm.Engine.Devices.Block;

/// <summary>
/// The fixed limits a virtio-blk device advertises in its configuration space (virtio 1.2
/// §5.2.4) and enforces on requests (§5.2.6.2). Sector counts are in 512-byte sectors.
/// </summary>
public sealed record VirtioBlkLimits
{
    /// <summary>Largest request in 512-byte sectors the engine accepts for discard/write-zeroes ranges (QEMU's BDRV_REQUEST_MAX_SECTORS).</summary>
    public const uint DefaultMaxRangeSectors = int.MaxValue / 512;

    public const uint DefaultMaxRangeSegments = 32;

    /// <summary>size_max: 0, VIRTIO_BLK_F_SIZE_MAX is not offered.</summary>
    public uint SizeMax { get; init; }

    /// <summary>seg_max: data segments per request (queue size minus header and status).</summary>
    public uint SegMax { get; init; }

    /// <summary>blk_size: the logical block size in bytes.</summary>
    public uint BlockSize { get; init; } = 512;

    public byte PhysicalBlockExponent { get; init; }

    public byte AlignmentOffset { get; init; }

    public ushort MinIoSize { get; init; }

    public uint OptIoSize { get; init; }

    public ushort NumQueues { get; init; } = 1;

    public uint MaxDiscardSectors { get; init; }

    public uint MaxDiscardSegments { get; init; }

    public uint DiscardSectorAlignment { get; init; }

    public uint MaxWriteZeroesSectors { get; init; }

    public uint MaxWriteZeroesSegments { get; init; }

    public bool WriteZeroesMayUnmap { get; init; }
}
