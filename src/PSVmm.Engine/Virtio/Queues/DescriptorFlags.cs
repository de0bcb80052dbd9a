namespace PSVmm.Engine.Virtio.Queues;

/// <summary>Descriptor flag bits, virtio 1.2 §2.7.5 (split) and §2.8.1 (packed).</summary>
internal static class DescriptorFlags
{
    public const ushort Next = 1;
    public const ushort Write = 2;
    public const ushort Indirect = 4;

    /// <summary>Packed only (§2.8.1).</summary>
    public const ushort Avail = 1 << 7;

    /// <summary>Packed only (§2.8.1).</summary>
    public const ushort Used = 1 << 15;
}

/// <summary>Split ring flag fields, §2.7.6 and §2.7.8.</summary>
internal static class SplitRingFlags
{
    /// <summary>avail.flags: the driver does not want used buffer notifications.</summary>
    public const ushort AvailNoInterrupt = 1;

    /// <summary>used.flags: the device does not want available buffer notifications.</summary>
    public const ushort UsedNoNotify = 1;
}

/// <summary>Packed event suppression flags, §2.8.10.</summary>
internal static class PackedEventFlags
{
    public const ushort Enable = 0;
    public const ushort Disable = 1;

    /// <summary>Notify at the descriptor named by off_wrap; only with VIRTIO_F_EVENT_IDX.</summary>
    public const ushort Desc = 2;

    public const ushort Mask = 3;
}
