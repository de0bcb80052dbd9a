namespace PSVmm.Engine.Virtio.Transport;

/// <summary>
/// The reserved feature bits this transport knows (virtio 1.2 §6). Kept private to the transport;
/// the virtqueue code has its own list.
/// </summary>
public static class VirtioTransportFeatures
{
    public const int IndirectDescriptorsBit = 28;   // VIRTIO_F_INDIRECT_DESC
    public const int EventIndexBit = 29;            // VIRTIO_F_EVENT_IDX
    public const int Version1Bit = 32;              // VIRTIO_F_VERSION_1
    public const int AccessPlatformBit = 33;        // VIRTIO_F_ACCESS_PLATFORM (never offered: no IOMMU)
    public const int RingPackedBit = 34;            // VIRTIO_F_RING_PACKED

    public const ulong IndirectDescriptors = 1UL << IndirectDescriptorsBit;
    public const ulong EventIndex = 1UL << EventIndexBit;
    public const ulong Version1 = 1UL << Version1Bit;
    public const ulong RingPacked = 1UL << RingPackedBit;

    /// <summary>What a modern transport offers by default: VERSION_1, RING_PACKED, EVENT_IDX, INDIRECT_DESC.</summary>
    public const ulong Default = Version1 | RingPacked | EventIndex | IndirectDescriptors;
}
