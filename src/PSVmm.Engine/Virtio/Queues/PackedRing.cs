using System.Buffers.Binary;
using PSVmm.Engine.Memory;

namespace PSVmm.Engine.Virtio.Queues;

/// <summary>
/// Packed virtqueue, virtio 1.2 §2.8: one descriptor ring shared by available and used
/// descriptors, a driver event suppression structure (driver area) and a device event
/// suppression structure (device area).
/// </summary>
internal sealed class PackedRing : Ring
{
    private const int DescriptorSize = 16;
    private const int FlagsOffset = 14;
    private const int EventSuppressionSize = 4;

    private ushort _nextAvail;
    private bool _availWrap = true;
    private ushort _nextUsed;
    private bool _usedWrap = true;

    // Descriptors popped but not yet written back as used; a driver cannot have more than
    // Size outstanding (§2.8.17), so more would mean it re-published descriptors in flight.
    private int _inFlightDescriptors;

    // Ring descriptors written back as used since the last notification decision.
    private int _usedSinceDecision;

    public PackedRing(RingMemory memory, RingGeometry geometry, ulong features, int maxIndirectEntries)
        : base(memory, geometry, features, maxIndirectEntries)
    {
    }

    public override RingPosition Position => new(_nextAvail, _availWrap, _nextUsed, _usedWrap, _nextAvail);

    /// <summary>§2.8.10.1: descriptor ring 16-aligned, both event suppression structures 4-aligned, 4 bytes.</summary>
    public static void CheckLayout(IGuestMemory memory, RingGeometry g)
    {
        CheckArea(memory, g.DescriptorArea, (ulong)DescriptorSize * g.Size, 16,
            VirtqueueErrorReason.DescriptorAreaOutsideRam, VirtqueueErrorReason.DescriptorAreaMisaligned,
            "descriptor ring");
        CheckArea(memory, g.DriverArea, EventSuppressionSize, 4,
            VirtqueueErrorReason.DriverAreaOutsideRam, VirtqueueErrorReason.DriverAreaMisaligned,
            "driver event suppression");
        CheckArea(memory, g.DeviceArea, EventSuppressionSize, 4,
            VirtqueueErrorReason.DeviceAreaOutsideRam, VirtqueueErrorReason.DeviceAreaMisaligned,
            "device event suppression");
    }

    private ulong DescriptorAddress(ushort offset) => Geometry.DescriptorArea + (ulong)DescriptorSize * offset;

    /// <summary>§2.8.1: available when AVAIL matches the wrap counter and USED does not.</summary>
    private static bool IsAvailable(ushort flags, bool wrap) =>
        ((flags & DescriptorFlags.Avail) != 0) == wrap && ((flags & DescriptorFlags.Used) != 0) != wrap;

    public override bool TryPop(out DescriptorChain chain)
    {
        chain = null!;
        ushort headFlags = Memory.ReadU16(DescriptorAddress(_nextAvail) + FlagsOffset, "descriptor flags");
        if (!IsAvailable(headFlags, _availWrap))
        {
            return false;
        }

        // §2.8.21: the rest of the chain is read only after the head's flags showed it available.
        RingMemory.Barrier();

        var builder = Builder.Start();
        Span<byte> raw = stackalloc byte[DescriptorSize];
        ushort offset = _nextAvail;
        bool wrap = _availWrap;
        ushort bufferId;
        int count = 0;
        while (true)
        {
            // §2.8.17: no list is longer than the queue size; a longer one would run round the ring.
            if (count == Size)
            {
                throw new VirtqueueException(VirtqueueErrorReason.ChainTooLong,
                    $"chain at offset {_nextAvail} is longer than queue size {Size}");
            }

            Memory.Read(DescriptorAddress(offset), raw, "descriptor");
            var d = PackedDescriptor.Parse(raw);
            if ((d.Flags & DescriptorFlags.Indirect) != 0)
            {
                int entries = IndirectTable.CheckReference(Memory, Features, d.Flags, d.Address, d.Length,
                    count, mayFollowDirect: false, MaxIndirectEntries);
                IndirectTable.WalkPacked(Memory, d.Address, entries, builder);
            }
            else
            {
                builder.Add(d.Address, d.Length, (d.Flags & DescriptorFlags.Write) != 0);
            }

            count++;
            offset++;
            if (offset == Size)
            {
                offset = 0;
                wrap = !wrap;
            }

            // §2.8.6: the buffer id is carried by the last descriptor of the list.
            if ((d.Flags & DescriptorFlags.Next) == 0)
            {
                bufferId = d.Id;
                break;
            }
        }

        if (bufferId >= Size)
        {
            throw new VirtqueueException(VirtqueueErrorReason.BufferIdOutOfRange,
                $"buffer id {bufferId} is not below queue size {Size}");
        }

        if (_inFlightDescriptors + count > Size)
        {
            throw new VirtqueueException(VirtqueueErrorReason.AvailIndexTooFarAhead,
                $"{_inFlightDescriptors} descriptors in flight plus {count} new exceed queue size {Size}");
        }

        chain = builder.Build(bufferId, (ushort)count);
        _nextAvail = offset;
        _availWrap = wrap;
        _inFlightDescriptors += count;
        return true;
    }

    public override void AddUsed(DescriptorChain chain, uint writtenLength)
    {
        // §2.8.6: one used descriptor per buffer, written at the device's next used offset;
        // len/id first, then flags with AVAIL = USED = the device wrap counter.
        ulong address = DescriptorAddress(_nextUsed);
        Span<byte> lengthAndId = stackalloc byte[6];
        BinaryPrimitives.WriteUInt32LittleEndian(lengthAndId, writtenLength);
        BinaryPrimitives.WriteUInt16LittleEndian(lengthAndId[4..], chain.Id);
        Memory.Write(address + 8, lengthAndId, "used descriptor");

        ushort flags = _usedWrap ? (ushort)(DescriptorFlags.Avail | DescriptorFlags.Used) : (ushort)0;

        // §2.8.3, §2.8.4: in a used descriptor WRITE says that the device wrote data (len is valid).
        if (writtenLength > 0)
            flags |= DescriptorFlags.Write;

        RingMemory.Barrier();
        Memory.WriteU16(address + FlagsOffset, flags, "used descriptor flags");

        int next = _nextUsed + chain.RingDescriptorCount;
        if (next >= Size)
        {
            next -= Size;
            _usedWrap = !_usedWrap;
        }

        _nextUsed = (ushort)next;
        _inFlightDescriptors -= chain.RingDescriptorCount;
        _usedSinceDecision += chain.RingDescriptorCount;
    }

    public override bool? NeedsNotification()
    {
        if (_usedSinceDecision == 0)
        {
            return null;
        }

        int advanced = _usedSinceDecision;
        _usedSinceDecision = 0;

        // Used flags were stored; the driver's event suppression must be read after them.
        RingMemory.Barrier();
        Span<byte> raw = stackalloc byte[EventSuppressionSize];
        Memory.Read(Geometry.DriverArea, raw, "driver event suppression");
        ushort offWrap = BinaryPrimitives.ReadUInt16LittleEndian(raw);
        ushort flags = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(raw[2..]) & PackedEventFlags.Mask);

        // §2.8.10: DISABLE suppresses; DESC (only meaningful with EVENT_IDX) names one
        // descriptor; ENABLE and the reserved value 3 notify (an extra interrupt is harmless,
        // a missing one hangs the driver).
        if (flags == PackedEventFlags.Disable)
        {
            return false;
        }

        if (flags != PackedEventFlags.Desc || !EventIdx)
        {
            return true;
        }

        return UsedEventPassed(offWrap, advanced);
    }

    /// <summary>
    /// Whether the descriptor named by off_wrap (offset bits 0-14, wrap counter bit 15) was
    /// among the <paramref name="advanced"/> descriptors just written as used. Positions are
    /// put on a line where the current lap (wrap == _usedWrap) starts at 0 and the previous lap
    /// at -Size; the written range is [_nextUsed - advanced, _nextUsed). Beyond one full lap a
    /// slot was written twice with different wrap counters, so the answer is always yes.
    /// </summary>
    private bool UsedEventPassed(ushort offWrap, int advanced)
    {
        if (advanced > Size)
        {
            return true;
        }

        int offset = offWrap & 0x7fff;
        bool wrap = (offWrap & 0x8000) != 0;
        int eventPosition = wrap == _usedWrap ? offset : offset - Size;
        return eventPosition >= _nextUsed - advanced && eventPosition < _nextUsed;
    }

    public override bool EnableGuestNotifications()
    {
        WriteDeviceEvent(PackedEventFlags.Enable);
        GuestNotificationsEnabled = true;

        // The store must be visible before the next descriptor is re-checked (§2.8.10).
        RingMemory.Barrier();
        ushort flags = Memory.ReadU16(DescriptorAddress(_nextAvail) + FlagsOffset, "descriptor flags");
        return IsAvailable(flags, _availWrap);
    }

    public override void DisableGuestNotifications()
    {
        WriteDeviceEvent(PackedEventFlags.Disable);
        GuestNotificationsEnabled = false;
    }

    private void WriteDeviceEvent(ushort flags)
    {
        Span<byte> raw = stackalloc byte[EventSuppressionSize];
        BinaryPrimitives.WriteUInt16LittleEndian(raw, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(raw[2..], flags);
        Memory.Write(Geometry.DeviceArea, raw, "device event suppression");
    }
}
