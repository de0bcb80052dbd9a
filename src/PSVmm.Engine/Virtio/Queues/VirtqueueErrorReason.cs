namespace PSVmm.Engine.Virtio.Queues;

/// <summary>
/// Why a guest-controlled queue value was rejected. Each reason is one distinct check; the device
/// reacts to all of them the same way (DEVICE_NEEDS_RESET and a configuration change interrupt).
/// </summary>
public enum VirtqueueErrorReason
{
    /// <summary>queue_size is 0 (§4.1.4.3).</summary>
    QueueSizeZero,

    /// <summary>Split queue size is not a power of two (§2.7).</summary>
    QueueSizeNotPowerOfTwo,

    /// <summary>queue_size exceeds the maximum the device offered (§4.1.4.3.2).</summary>
    QueueSizeTooLarge,

    /// <summary>The descriptor area is not wholly inside one RAM region.</summary>
    DescriptorAreaOutsideRam,

    /// <summary>The driver area (split: available ring; packed: driver event suppression) is outside RAM.</summary>
    DriverAreaOutsideRam,

    /// <summary>The device area (split: used ring; packed: device event suppression) is outside RAM.</summary>
    DeviceAreaOutsideRam,

    /// <summary>The descriptor area is not 16-byte aligned (§2.7 table, §2.8.10.1).</summary>
    DescriptorAreaMisaligned,

    /// <summary>The driver area is misaligned (split 2, packed 4).</summary>
    DriverAreaMisaligned,

    /// <summary>The device area is misaligned (split 4, packed 4).</summary>
    DeviceAreaMisaligned,

    /// <summary>
    /// Split: avail.idx is more than queue size entries ahead of the device's next index (it may
    /// never run backwards, §2.7.6.1), or a chain would put more descriptors in flight than the
    /// queue has (a head re-published before it was used, §2.7.5). Packed: more descriptors
    /// available than the ring can hold next to those in flight (§2.8.17).
    /// </summary>
    AvailIndexTooFarAhead,

    /// <summary>A head or next index is not below the queue size (§2.7.5).</summary>
    DescriptorIndexOutOfRange,

    /// <summary>A chain in the ring has more descriptors than the queue size: a loop (§2.7.5.3.1).</summary>
    ChainTooLong,

    /// <summary>The summed length of a chain's buffers exceeds 2^32 - 1 bytes.</summary>
    TotalLengthOverflow,

    /// <summary>A buffer is not wholly inside one RAM region.</summary>
    BufferOutsideRam,

    /// <summary>An indirect table length is not a multiple of 16 (§2.7.5.3, §2.8.7).</summary>
    IndirectTableLengthNotMultipleOf16,

    /// <summary>An indirect table has length 0.</summary>
    IndirectTableEmpty,

    /// <summary>An indirect table has more entries than <see cref="Virtqueue.MaxIndirectEntries"/>.</summary>
    IndirectTableTooLarge,

    /// <summary>An indirect table is not wholly inside one RAM region.</summary>
    IndirectTableOutsideRam,

    /// <summary>A next index inside an indirect table is not below the table's entry count.</summary>
    IndirectIndexOutOfRange,

    /// <summary>A chain inside an indirect table is longer than the table: a loop.</summary>
    IndirectChainTooLong,

    /// <summary>VIRTQ_DESC_F_INDIRECT inside an indirect table (§2.7.5.3.1, §2.8.19).</summary>
    NestedIndirect,

    /// <summary>VIRTQ_DESC_F_INDIRECT and VIRTQ_DESC_F_NEXT on the same descriptor (§2.7.5.3.1).</summary>
    IndirectWithNext,

    /// <summary>Packed: an indirect descriptor after direct descriptors of the same list (§2.8.19).</summary>
    IndirectInChain,

    /// <summary>VIRTQ_DESC_F_INDIRECT used without VIRTIO_F_INDIRECT_DESC negotiated.</summary>
    IndirectNotNegotiated,

    /// <summary>A device-readable descriptor follows a device-writable one (§2.7.4.2, §2.8.17).</summary>
    ReadableAfterWritable,

    /// <summary>A packed ring buffer id is not below the queue size: ids name at most Queue Size buffers (§2.8.6).</summary>
    BufferIdOutOfRange,

    /// <summary>Reading a ring structure failed although it was checked when the queue was enabled.</summary>
    RingReadFailed,

    /// <summary>Writing the used ring (or device event area) failed.</summary>
    UsedRingWriteFailed,
}
