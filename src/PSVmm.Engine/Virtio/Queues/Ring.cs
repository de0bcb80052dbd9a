using PSVmm.Engine.Memory;

namespace PSVmm.Engine.Virtio.Queues;

/// <summary>The format-specific half of an enabled virtqueue. Not thread-safe: Virtqueue locks.</summary>
internal abstract class Ring
{
    protected Ring(RingMemory memory, RingGeometry geometry, ulong features, int maxIndirectEntries)
    {
        Memory = memory;
        Geometry = geometry;
        Features = features;
        MaxIndirectEntries = maxIndirectEntries;
        Builder = new ChainBuilder(memory.Guest);
    }

    /// <summary>Collects the chain being popped; one per ring, started afresh by each pop.</summary>
    protected ChainBuilder Builder { get; }

    protected RingMemory Memory { get; }

    protected RingGeometry Geometry { get; }

    protected ushort Size => Geometry.Size;

    protected ulong Features { get; }

    protected int MaxIndirectEntries { get; }

    protected bool EventIdx => RingFeatures.Has(Features, RingFeatures.EventIdxBit);

    public bool GuestNotificationsEnabled { get; protected set; } = true;

    public abstract RingPosition Position { get; }

    public abstract bool TryPop(out DescriptorChain chain);

    public abstract void AddUsed(DescriptorChain chain, uint writtenLength);

    /// <summary>Null when no used entry was added since the previous decision.</summary>
    public abstract bool? NeedsNotification();

    public abstract bool EnableGuestNotifications();

    public abstract void DisableGuestNotifications();

    /// <summary>Checks a descriptor-area-like range: inside RAM and aligned.</summary>
    protected static void CheckArea(IGuestMemory memory, ulong address, ulong length, ulong alignment,
        VirtqueueErrorReason outside, VirtqueueErrorReason misaligned, string what)
    {
        if (address % alignment != 0)
            throw new VirtqueueException(misaligned, $"{what} 0x{address:x} is not {alignment}-byte aligned");

        if (!memory.IsValidRange(address, length))
            throw new VirtqueueException(outside, $"{what} 0x{address:x}+0x{length:x} is not inside guest RAM");
    }
}

/// <summary>
/// Where the device stands. Split: free-running indices, wrap counters unused.
/// Packed: ring offsets with their wrap counters.
/// </summary>
internal readonly record struct RingPosition(ushort NextAvail, bool AvailWrap, ushort UsedIdx, bool UsedWrap,
    ushort LastAvailIdx);
