namespace PSVmm.Engine.Devices.Block;

/// <summary>virtio-blk feature bits (virtio 1.2 §5.2.3) and their names for <see cref="Virtio.VirtioFeatures.Describe"/>.</summary>
public static class VirtioBlkFeatures
{
    public const int SizeMaxBit = 1;
    public const int SegMaxBit = 2;
    public const int GeometryBit = 4;
    public const int ReadOnlyBit = 5;
    public const int BlkSizeBit = 6;
    public const int FlushBit = 9;
    public const int TopologyBit = 10;
    public const int ConfigWceBit = 11;
    public const int MultiQueueBit = 12;
    public const int DiscardBit = 13;
    public const int WriteZeroesBit = 14;
    public const int LifetimeBit = 15;
    public const int SecureEraseBit = 16;

    public const ulong SizeMax = 1UL << SizeMaxBit;
    public const ulong SegMax = 1UL << SegMaxBit;
    public const ulong Geometry = 1UL << GeometryBit;
    public const ulong ReadOnly = 1UL << ReadOnlyBit;
    public const ulong BlkSize = 1UL << BlkSizeBit;
    public const ulong Flush = 1UL << FlushBit;
    public const ulong Topology = 1UL << TopologyBit;
    public const ulong ConfigWce = 1UL << ConfigWceBit;
    public const ulong MultiQueue = 1UL << MultiQueueBit;
    public const ulong Discard = 1UL << DiscardBit;
    public const ulong WriteZeroes = 1UL << WriteZeroesBit;
    public const ulong Lifetime = 1UL << LifetimeBit;
    public const ulong SecureErase = 1UL << SecureEraseBit;

    public static IReadOnlyDictionary<int, string> Names { get; } = new Dictionary<int, string>
    {
        // Legacy bits (§5.2.3.1) still appear in feature dumps of old drivers.
        [0] = "VIRTIO_BLK_F_BARRIER",
        [SizeMaxBit] = "VIRTIO_BLK_F_SIZE_MAX",
        [SegMaxBit] = "VIRTIO_BLK_F_SEG_MAX",
        [GeometryBit] = "VIRTIO_BLK_F_GEOMETRY",
        [ReadOnlyBit] = "VIRTIO_BLK_F_RO",
        [BlkSizeBit] = "VIRTIO_BLK_F_BLK_SIZE",
        [7] = "VIRTIO_BLK_F_SCSI",
        [FlushBit] = "VIRTIO_BLK_F_FLUSH",
        [TopologyBit] = "VIRTIO_BLK_F_TOPOLOGY",
        [ConfigWceBit] = "VIRTIO_BLK_F_CONFIG_WCE",
        [MultiQueueBit] = "VIRTIO_BLK_F_MQ",
        [DiscardBit] = "VIRTIO_BLK_F_DISCARD",
        [WriteZeroesBit] = "VIRTIO_BLK_F_WRITE_ZEROES",
        [LifetimeBit] = "VIRTIO_BLK_F_LIFETIME",
        [SecureEraseBit] = "VIRTIO_BLK_F_SECURE_ERASE",
    };

    /// <summary>Names of the bits in <paramref name="features"/>, device bits named as virtio-blk ones.</summary>
    public static IReadOnlyList<string> Describe(ulong features) => Virtio.VirtioFeatures.Describe(features, Names);
}
