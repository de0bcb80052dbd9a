namespace PSVmm.Engine.Virtio.Queues;

/// <summary>
/// The negotiated feature bits that change how a ring is read and written (virtio 1.2 §6). They
/// are defined here, below the device model, and <see cref="Virtio.VirtioFeatures"/> names them too.
/// </summary>
public static class RingFeatures
{
    /// <summary>VIRTIO_F_INDIRECT_DESC (§2.7.5.3, §2.8.7): descriptors may refer to indirect tables.</summary>
    public const int IndirectDescBit = 28;

    /// <summary>VIRTIO_F_EVENT_IDX (§2.7.7, §2.7.10): used_event and avail_event fields.</summary>
    public const int EventIdxBit = 29;

    /// <summary>VIRTIO_F_RING_PACKED (§2.8): the packed virtqueue layout.</summary>
    public const int RingPackedBit = 34;

    public static bool Has(ulong features, int bit) => (features & 1UL << bit) != 0;
}
