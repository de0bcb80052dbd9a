using System.Numerics;
using PSVmm.Engine.Devices.Block.Backend;

namespace PSVmm.Engine.Devices.Block;

/// <summary>What a virtio-blk device offers for given options and backend: feature bits (§5.2.3) and configuration limits (§5.2.4).</summary>
public static class VirtioBlkSetup
{
    public const int SectorSize = 512;

    /// <summary>
    /// RO when read-only; FLUSH and CONFIG_WCE; SEG_MAX, BLK_SIZE, TOPOLOGY; MQ with more than
    /// one queue; DISCARD / WRITE_ZEROES when enabled and the backend can do them.
    /// </summary>
    public static ulong OfferedFeatures(BlockDeviceOptions options, IBlockBackend backend)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(backend);
        ulong features = VirtioBlkFeatures.Flush | VirtioBlkFeatures.ConfigWce | VirtioBlkFeatures.SegMax
            | VirtioBlkFeatures.BlkSize | VirtioBlkFeatures.Topology;
        bool readOnly = options.ReadOnly || backend.ReadOnly;
        if (readOnly)
            features |= VirtioBlkFeatures.ReadOnly;

        if (options.QueueCount > 1)
            features |= VirtioBlkFeatures.MultiQueue;

        if (!readOnly && options.Discard && backend.SupportsDiscard)
            features |= VirtioBlkFeatures.Discard;

        if (!readOnly && options.WriteZeroes != VirtioBlkWriteZeroesMode.Off && backend.SupportsWriteZeroes)
            features |= VirtioBlkFeatures.WriteZeroes;

        return features;
    }

    public static VirtioBlkLimits Limits(BlockDeviceOptions options, IBlockBackend backend)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(backend);
        int blockSize = Math.Max(SectorSize, backend.LogicalBlockSize);
        uint alignmentSectors = (uint)(blockSize / SectorSize);
        ulong features = OfferedFeatures(options, backend);
        bool discard = (features & VirtioBlkFeatures.Discard) != 0;
        bool writeZeroes = (features & VirtioBlkFeatures.WriteZeroes) != 0;
        return new VirtioBlkLimits
        {
            // Two descriptors of every chain carry the header and the status byte.
            SegMax = (uint)Math.Max(1, options.QueueSize - 2),
            BlockSize = (uint)blockSize,
            PhysicalBlockExponent = 0,
            MinIoSize = 1,
            OptIoSize = 0,
            NumQueues = (ushort)options.QueueCount,
            MaxDiscardSectors = discard ? AlignDown(VirtioBlkLimits.DefaultMaxRangeSectors, alignmentSectors) : 0,
            MaxDiscardSegments = discard ? VirtioBlkLimits.DefaultMaxRangeSegments : 0,
            DiscardSectorAlignment = discard ? alignmentSectors : 0,
            MaxWriteZeroesSectors = writeZeroes ? AlignDown(VirtioBlkLimits.DefaultMaxRangeSectors, alignmentSectors) : 0,
            MaxWriteZeroesSegments = writeZeroes ? VirtioBlkLimits.DefaultMaxRangeSegments : 0,
            WriteZeroesMayUnmap = writeZeroes && options.WriteZeroes == VirtioBlkWriteZeroesMode.Unmap && backend.SupportsDiscard,
        };
    }

    /// <summary>The device configuration for a new device: capacity in sectors (rounded down), writeback on.</summary>
    public static VirtioBlkConfig CreateConfig(BlockDeviceOptions options, IBlockBackend backend) =>
        new((ulong)backend.Size / SectorSize, Limits(options, backend), writeback: true);

    private static uint AlignDown(uint value, uint alignment) =>
        BitOperations.IsPow2(alignment) ? value & ~(alignment - 1) : value / alignment * alignment;
}
