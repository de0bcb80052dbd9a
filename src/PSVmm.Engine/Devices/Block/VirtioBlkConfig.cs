using System.Buffers.Binary;

namespace PSVmm.Engine.Devices.Block;

/// <summary>
/// The virtio-blk device configuration space (virtio 1.2 §5.2.4, struct virtio_blk_config), as
/// little-endian bytes a driver may read at any offset and width. Only <c>writeback</c> is
/// writable, and only once VIRTIO_BLK_F_CONFIG_WCE is negotiated (§5.2.5). Thread-safe.
/// </summary>
public sealed class VirtioBlkConfig
{
    public const int CapacityOffset = 0;
    public const int SizeMaxOffset = 8;
    public const int SegMaxOffset = 12;
    public const int GeometryOffset = 16;        // le16 cylinders, u8 heads, u8 sectors
    public const int BlkSizeOffset = 20;
    public const int TopologyOffset = 24;        // u8 physical_block_exp, u8 alignment_offset, le16 min_io_size, le32 opt_io_size
    public const int WritebackOffset = 32;
    public const int NumQueuesOffset = 34;
    public const int MaxDiscardSectorsOffset = 36;
    public const int MaxDiscardSegOffset = 40;
    public const int DiscardSectorAlignmentOffset = 44;
    public const int MaxWriteZeroesSectorsOffset = 48;
    public const int MaxWriteZeroesSegOffset = 52;
    public const int WriteZeroesMayUnmapOffset = 56;
    public const int MaxSecureEraseSectorsOffset = 60;
    public const int MaxSecureEraseSegOffset = 64;
    public const int SecureEraseSectorAlignmentOffset = 68;

    /// <summary>Bytes up to and including the secure-erase fields (zoned fields of later revisions are not offered).</summary>
    public const int Size = 72;

    private readonly object _lock = new();
    private ulong _capacity;
    private byte _writeback;

    public VirtioBlkConfig(ulong capacitySectors, VirtioBlkLimits limits, bool writeback)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _capacity = capacitySectors;
        Limits = limits;
        _writeback = writeback ? (byte)1 : (byte)0;
        InitialWriteback = _writeback;
    }

    public VirtioBlkLimits Limits { get; }

    /// <summary>Capacity in 512-byte sectors, whatever the logical block size (§5.2.4).</summary>
    public ulong CapacitySectors
    {
        get { lock (_lock) return _capacity; }
        set { lock (_lock) _capacity = value; }
    }

    /// <summary>1: the device runs in writeback mode; 0: writethrough (each write is made durable before it completes).</summary>
    public bool Writeback
    {
        get { lock (_lock) return _writeback != 0; }
    }

    private byte InitialWriteback { get; }

    /// <summary>Sets the cache mode from the device side (e.g. writethrough when FLUSH was not negotiated).</summary>
    public void SetWriteback(bool writeback)
    {
        lock (_lock) _writeback = writeback ? (byte)1 : (byte)0;
    }

    /// <summary>Back to the values at creation (device reset, §2.4: the driver renegotiates).</summary>
    public void Reset()
    {
        lock (_lock) _writeback = InitialWriteback;
    }

    /// <summary>Copies [offset, offset + data.Length) of the configuration space; bytes past its end read 0.</summary>
    public void Read(int offset, Span<byte> data)
    {
        data.Clear();
        if (offset < 0 || offset >= Size)
            return;

        Span<byte> image = stackalloc byte[Size];
        Encode(image);
        int length = Math.Min(data.Length, Size - offset);
        image.Slice(offset, length).CopyTo(data);
    }

    /// <summary>
    /// A driver write. Only bytes landing on <c>writeback</c> take effect, and only when
    /// <paramref name="configWceNegotiated"/>; a value other than 0 or 1 is ignored.
    /// Returns true when writeback was written.
    /// </summary>
    public bool Write(int offset, ReadOnlySpan<byte> data, bool configWceNegotiated)
    {
        if (!configWceNegotiated || offset < 0 || offset > WritebackOffset || offset + data.Length <= WritebackOffset)
        {
            return false;
        }

        byte value = data[WritebackOffset - offset];
        if (value > 1)
        {
            return false;
        }

        lock (_lock) _writeback = value;
        return true;
    }

    private void Encode(Span<byte> image)
    {
        var l = Limits;
        lock (_lock)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(image[CapacityOffset..], _capacity);
            image[WritebackOffset] = _writeback;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(image[SizeMaxOffset..], l.SizeMax);
        BinaryPrimitives.WriteUInt32LittleEndian(image[SegMaxOffset..], l.SegMax);
        BinaryPrimitives.WriteUInt32LittleEndian(image[BlkSizeOffset..], l.BlockSize);
        image[TopologyOffset] = l.PhysicalBlockExponent;
        image[TopologyOffset + 1] = l.AlignmentOffset;
        BinaryPrimitives.WriteUInt16LittleEndian(image[(TopologyOffset + 2)..], l.MinIoSize);
        BinaryPrimitives.WriteUInt32LittleEndian(image[(TopologyOffset + 4)..], l.OptIoSize);
        BinaryPrimitives.WriteUInt16LittleEndian(image[NumQueuesOffset..], l.NumQueues);
        BinaryPrimitives.WriteUInt32LittleEndian(image[MaxDiscardSectorsOffset..], l.MaxDiscardSectors);
        BinaryPrimitives.WriteUInt32LittleEndian(image[MaxDiscardSegOffset..], l.MaxDiscardSegments);
        BinaryPrimitives.WriteUInt32LittleEndian(image[DiscardSectorAlignmentOffset..], l.DiscardSectorAlignment);
        BinaryPrimitives.WriteUInt32LittleEndian(image[MaxWriteZeroesSectorsOffset..], l.MaxWriteZeroesSectors);
        BinaryPrimitives.WriteUInt32LittleEndian(image[MaxWriteZeroesSegOffset..], l.MaxWriteZeroesSegments);
        image[WriteZeroesMayUnmapOffset] = l.WriteZeroesMayUnmap ? (byte)1 : (byte)0;
    }
}
