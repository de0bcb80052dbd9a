namespace PSVmm.Engine.Virtio.Transport;

/// <summary>
/// Where the modern virtio-pci structures live. Everything is in one 64-bit, non-prefetchable
/// memory BAR (<see cref="Bar"/> = 4, the index QEMU and Linux users expect; BARs 0-3 stay free
/// for a legacy I/O BAR), each structure on its own 4 KiB page so a structure can be handed to
/// KVM on its own (the notify page is: the machine binds an ioeventfd to each queue's address):
/// <code>
/// 0x0000 common configuration   (§4.1.4.3)
/// 0x1000 ISR status             (§4.1.4.5)
/// 0x2000 device configuration   (§4.1.4.6)
/// 0x3000 notifications          (§4.1.4.4, 4 bytes per queue)
/// 0x4000 MSI-X table, then the PBA on the next page boundary (PCI Local Bus 3.0 §6.8.2)
/// </code>
/// The BAR is the next power of two that holds them (16 KiB + MSI-X pages: 32 KiB for up to
/// 255 queues). Non-prefetchable because ISR reads clear it.
/// </summary>
public static class VirtioPciLayout
{
    public const int Bar = 4;
    public const ulong CommonOffset = 0x0000;
    public const ulong IsrOffset = 0x1000;
    public const ulong DeviceConfigOffset = 0x2000;
    public const ulong NotifyOffset = 0x3000;
    public const ulong MsixTableOffset = 0x4000;
    public const ulong PageSize = 0x1000;

    /// <summary>notify_off_multiplier: queue q is notified at NotifyOffset + q × 4 (queue_notify_off = q).</summary>
    public const uint NotifyOffMultiplier = 4;

    /// <summary>Size of the common configuration structure including queue_notify_data and queue_reset (§4.1.4.3).</summary>
    public const uint CommonLength = 0x40;

    public const uint IsrLength = 1;

    /// <summary>Bytes the ISR page decodes (accesses wider than 1 byte are accepted and read the ISR in byte 0).</summary>
    public const uint IsrRegionLength = 4;

    public static uint NotifyLength(int queueCount) => (uint)queueCount * NotifyOffMultiplier;

    public static ulong PbaOffset(int vectorCount) => RoundUp(MsixTableOffset + (ulong)vectorCount * 16, PageSize);

    public static ulong BarSize(int vectorCount)
    {
        ulong pbaBytes = (ulong)(vectorCount + 63) / 64 * 8;
        ulong end = RoundUp(PbaOffset(vectorCount) + pbaBytes, PageSize);
        return ulong.Max(0x4000, System.Numerics.BitOperations.RoundUpToPowerOf2(end));
    }

    private static ulong RoundUp(ulong value, ulong align) => (value + align - 1) & ~(align - 1);
}
