using PSVmm.Engine.Virtio.Queues;

namespace PSVmm.Engine.Virtio;

/// <summary>
/// Transport-level ("reserved") feature bits, virtio 1.2 §6. Device-specific bits (0..23 and
/// 50..127) belong to each device, which supplies their names to <see cref="Describe"/>.
/// </summary>
public static class VirtioFeatures
{
    /// <summary>§2.7.5.3 / §2.8.7: descriptors may refer to indirect tables.</summary>
    public const int IndirectDescBit = RingFeatures.IndirectDescBit;

    /// <summary>§2.7.7 / §2.7.10: used_event and avail_event fields.</summary>
    public const int EventIdxBit = RingFeatures.EventIdxBit;

    /// <summary>§6.1: compliance with virtio 1.x (no legacy interface).</summary>
    public const int Version1Bit = 32;

    /// <summary>§6.1: the device sits behind an IOMMU or similar platform mechanism.</summary>
    public const int AccessPlatformBit = 33;

    /// <summary>§2.8: packed virtqueue layout.</summary>
    public const int RingPackedBit = RingFeatures.RingPackedBit;

    /// <summary>§2.7.9 / §2.8.21: buffers are used in the order they were made available.</summary>
    public const int InOrderBit = 35;

    /// <summary>§6.1: memory accesses are ordered as the platform requires.</summary>
    public const int OrderPlatformBit = 36;

    /// <summary>§6.1: single-root I/O virtualization.</summary>
    public const int SrIovBit = 37;

    /// <summary>§4.1.5.2: the driver passes extra data in available buffer notifications.</summary>
    public const int NotificationDataBit = 38;

    /// <summary>§4.1.4.4: the driver uses queue_notify_data for notifications.</summary>
    public const int NotifConfigDataBit = 39;

    /// <summary>§2.6.1: individual virtqueues can be reset.</summary>
    public const int RingResetBit = 40;

    public const ulong IndirectDesc = 1UL << IndirectDescBit;
    public const ulong EventIdx = 1UL << EventIdxBit;
    public const ulong Version1 = 1UL << Version1Bit;
    public const ulong AccessPlatform = 1UL << AccessPlatformBit;
    public const ulong RingPacked = 1UL << RingPackedBit;
    public const ulong InOrder = 1UL << InOrderBit;
    public const ulong OrderPlatform = 1UL << OrderPlatformBit;
    public const ulong SrIov = 1UL << SrIovBit;
    public const ulong NotificationData = 1UL << NotificationDataBit;
    public const ulong NotifConfigData = 1UL << NotifConfigDataBit;
    public const ulong RingReset = 1UL << RingResetBit;

    private static readonly IReadOnlyDictionary<int, string> TransportNames = new Dictionary<int, string>
    {
        // Legacy-only bits (§6.3) still show up in feature dumps of old drivers.
        [24] = "VIRTIO_F_NOTIFY_ON_EMPTY",
        [27] = "VIRTIO_F_ANY_LAYOUT",
        [IndirectDescBit] = "VIRTIO_F_INDIRECT_DESC",
        [EventIdxBit] = "VIRTIO_F_EVENT_IDX",
        [Version1Bit] = "VIRTIO_F_VERSION_1",
        [AccessPlatformBit] = "VIRTIO_F_ACCESS_PLATFORM",
        [RingPackedBit] = "VIRTIO_F_RING_PACKED",
        [InOrderBit] = "VIRTIO_F_IN_ORDER",
        [OrderPlatformBit] = "VIRTIO_F_ORDER_PLATFORM",
        [SrIovBit] = "VIRTIO_F_SR_IOV",
        [NotificationDataBit] = "VIRTIO_F_NOTIFICATION_DATA",
        [NotifConfigDataBit] = "VIRTIO_F_NOTIF_CONFIG_DATA",
        [RingResetBit] = "VIRTIO_F_RING_RESET",
    };

    /// <summary>The name of one transport-level bit, or null when it has none.</summary>
    public static string? TransportName(int bit) => TransportNames.GetValueOrDefault(bit);

    public static bool Has(ulong features, ulong bits) => (features & bits) == bits;

    /// <summary>
    /// Names of the bits set in <paramref name="features"/>, lowest bit first. Device-specific
    /// names take precedence over transport names; a bit nobody names is shown as "bit N".
    /// </summary>
    public static IReadOnlyList<string> Describe(ulong features, IReadOnlyDictionary<int, string>? deviceNames = null)
    {
        var names = new List<string>();
        for (int bit = 0; bit < 64; bit++)
        {
            if ((features & (1UL << bit)) == 0)
                continue;

            string? name = null;
            if (deviceNames is not null && deviceNames.TryGetValue(bit, out var deviceName))
                name = deviceName;

            names.Add(name ?? TransportName(bit) ?? $"bit {bit}");
        }

        return names;
    }
}
