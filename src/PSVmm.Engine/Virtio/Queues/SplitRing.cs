using System.Buffers.Binary;
using PSVmm.Engine.Memory;

namespace PSVmm.Engine.Virtio.Queues;

/// <summary>
/// Split virtqueue, virtio 1.2 §2.7: descriptor table, available ring (driver area) and used
/// ring (device area).
/// </summary>
internal sealed class SplitRing : Ring
{
    private const int DescriptorSize = 16;
    private const int UsedElementSize = 8;

    private ushort _nextAvail;
    private ushort _availIdxSeen;
    private ushort _usedIdx;
    private ushort _signalledUsed;

    // Descriptors of popped chains not yet used. A driver can have at most Size outstanding
    // (§2.7.5: a descriptor is not reused before it is used), so more means it re-published a
    // head in flight: without this bound a guest could grow the requests in flight without end.
    private int _inFlightDescriptors;

    public SplitRing(RingMemory memory, RingGeometry geometry, ulong features, int maxIndirectEntries)
        : base(memory, geometry, features, maxIndirectEntries)
    {
    }

    // §2.7.6 struct virtq_avail: le16 flags, le16 idx, le16 ring[size], le16 used_event.
    private ulong AvailFlagsAddress => Geometry.DriverArea;
    private ulong AvailIdxAddress => Geometry.DriverArea + 2;
    private ulong AvailRingAddress(ushort slot) => Geometry.DriverArea + 4 + 2UL * slot;
    private ulong UsedEventAddress => Geometry.DriverArea + 4 + 2UL * Size;

    // §2.7.8 struct virtq_used: le16 flags, le16 idx, {le32 id, le32 len} ring[size], le16 avail_event.
    private ulong UsedFlagsAddress => Geometry.DeviceArea;
    private ulong UsedIdxAddress => Geometry.DeviceArea + 2;
    private ulong UsedElementAddress(ushort slot) => Geometry.DeviceArea + 4 + (ulong)UsedElementSize * slot;
    private ulong AvailEventAddress => Geometry.DeviceArea + 4 + (ulong)UsedElementSize * Size;

    public override RingPosition Position => new(_nextAvail, true, _usedIdx, true, _availIdxSeen);

    /// <summary>§2.7 table: size a power of two; descriptor table 16-aligned, avail 2, used 4.</summary>
    public static void CheckLayout(IGuestMemory memory, RingGeometry g)
    {
        if ((g.Size & (g.Size - 1)) != 0)
        {
            throw new VirtqueueException(VirtqueueErrorReason.QueueSizeNotPowerOfTwo,
                $"split queue size {g.Size} is not a power of two");
        }

        CheckArea(memory, g.DescriptorArea, (ulong)DescriptorSize * g.Size, 16,
            VirtqueueErrorReason.DescriptorAreaOutsideRam, VirtqueueErrorReason.DescriptorAreaMisaligned,
            "descriptor table");
        CheckArea(memory, g.DriverArea, 6 + 2UL * g.Size, 2,
            VirtqueueErrorReason.DriverAreaOutsideRam, VirtqueueErrorReason.DriverAreaMisaligned,
            "available ring");
        CheckArea(memory, g.DeviceArea, 6 + (ulong)UsedElementSize * g.Size, 4,
            VirtqueueErrorReason.DeviceAreaOutsideRam, VirtqueueErrorReason.DeviceAreaMisaligned,
            "used ring");
    }

    public override bool TryPop(out DescriptorChain chain)
    {
        chain = null!;
        if (_nextAvail == _availIdxSeen && !RefreshAvailIdx())
        {
            return false;
        }

        ushort head = Memory.ReadU16(AvailRingAddress((ushort)(_nextAvail % Size)), "avail.ring entry");
        var popped = WalkChain(head);
        if (_inFlightDescriptors + popped.RingDescriptorCount > Size)
        {
            throw new VirtqueueException(VirtqueueErrorReason.AvailIndexTooFarAhead,
                $"{_inFlightDescriptors} descriptors in flight plus {popped.RingDescriptorCount} of head {head} exceed queue size {Size}");
        }

        ushort next = (ushort)(_nextAvail + 1);

        // §2.7.10: with EVENT_IDX, avail_event asks for a notification once the driver makes
        // the entry at `next` available. Written before committing, so a failure consumes nothing.
        if (EventIdx && GuestNotificationsEnabled)
            Memory.WriteU16(AvailEventAddress, next, "used.avail_event");

        _nextAvail = next;
        _inFlightDescriptors += popped.RingDescriptorCount;
        chain = popped;
        return true;
    }

    /// <summary>Reads avail.idx; true when it shows entries beyond _nextAvail.</summary>
    private bool RefreshAvailIdx()
    {
        ushort idx = Memory.ReadU16(AvailIdxAddress, "avail.idx");
        ushort pending = (ushort)(idx - _nextAvail);
        if (pending > Size)
        {
            throw new VirtqueueException(VirtqueueErrorReason.AvailIndexTooFarAhead,
                $"avail.idx {idx} is {pending} entries ahead of {_nextAvail}, queue size {Size}");
        }

        _availIdxSeen = idx;

        // Pairs with the driver's barrier before it bumps idx (§2.7.13.3): entries are read after idx.
        RingMemory.Barrier();
        return pending != 0;
    }

    private DescriptorChain WalkChain(ushort head)
    {
        var builder = Builder.Start();
        Span<byte> raw = stackalloc byte[DescriptorSize];
        ushort index = head;
        for (int walked = 0; ; walked++)
        {
            if (index >= Size)
            {
                throw new VirtqueueException(VirtqueueErrorReason.DescriptorIndexOutOfRange,
                    $"descriptor index {index} is not below queue size {Size}");
            }

            // §2.7.5.3.1: a chain longer than the queue size can only be a loop.
            if (walked == Size)
            {
                throw new VirtqueueException(VirtqueueErrorReason.ChainTooLong,
                    $"chain from head {head} is longer than queue size {Size}");
            }

            Memory.Read(Geometry.DescriptorArea + (ulong)DescriptorSize * index, raw, "descriptor");
            var d = SplitDescriptor.Parse(raw);
            if ((d.Flags & DescriptorFlags.Indirect) != 0)
            {
                int entries = IndirectTable.CheckReference(Memory, Features, d.Flags, d.Address, d.Length,
                    walked, mayFollowDirect: true, MaxIndirectEntries);
                IndirectTable.WalkSplit(Memory, d.Address, entries, builder);
                return builder.Build(head, (ushort)(walked + 1));
            }

            builder.Add(d.Address, d.Length, (d.Flags & DescriptorFlags.Write) != 0);
            if ((d.Flags & DescriptorFlags.Next) == 0)
                return builder.Build(head, (ushort)(walked + 1));

            index = d.Next;
        }
    }

    public override void AddUsed(DescriptorChain chain, uint writtenLength)
    {
        Span<byte> element = stackalloc byte[UsedElementSize];
        BinaryPrimitives.WriteUInt32LittleEndian(element, chain.Id);
        BinaryPrimitives.WriteUInt32LittleEndian(element[4..], writtenLength);
        Memory.Write(UsedElementAddress((ushort)(_usedIdx % Size)), element, "used.ring element");

        // §2.7.8.2: the element must be visible before the index that publishes it.
        RingMemory.Barrier();
        Memory.WriteU16(UsedIdxAddress, (ushort)(_usedIdx + 1), "used.idx");
        _usedIdx++;
        _inFlightDescriptors -= chain.RingDescriptorCount;
    }

    public override bool? NeedsNotification()
    {
        if (_usedIdx == _signalledUsed)
        {
            return null;
        }

        // used.idx was stored; the driver's suppression fields must be read after it (§2.7.10).
        RingMemory.Barrier();
        ushort old = _signalledUsed;
        bool notify;
        if (EventIdx)
        {
            ushort usedEvent = Memory.ReadU16(UsedEventAddress, "avail.used_event");
            notify = EventIndex.NeedsEvent(usedEvent, _usedIdx, old);
        }
        else
        {
            // §2.7.7: without EVENT_IDX, VIRTQ_AVAIL_F_NO_INTERRUPT asks the device not to interrupt.
            ushort flags = Memory.ReadU16(AvailFlagsAddress, "avail.flags");
            notify = (flags & SplitRingFlags.AvailNoInterrupt) == 0;
        }

        _signalledUsed = _usedIdx;
        return notify;
    }

    public override bool EnableGuestNotifications()
    {
        if (EventIdx)
            Memory.WriteU16(AvailEventAddress, _nextAvail, "used.avail_event");
        else
            Memory.WriteU16(UsedFlagsAddress, 0, "used.flags");

        GuestNotificationsEnabled = true;

        // The store above must be visible before avail.idx is re-read, or a buffer made
        // available in between would get neither a notification nor a poll.
        RingMemory.Barrier();
        return RefreshAvailIdx();
    }

    public override void DisableGuestNotifications()
    {
        // §2.7.10: with EVENT_IDX the device simply stops advancing avail_event.
        if (!EventIdx)
            Memory.WriteU16(UsedFlagsAddress, SplitRingFlags.UsedNoNotify, "used.flags");

        GuestNotificationsEnabled = false;
    }
}
