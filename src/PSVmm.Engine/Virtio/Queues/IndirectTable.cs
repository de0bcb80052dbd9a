namespace PSVmm.Engine.Virtio.Queues;

/// <summary>Indirect descriptor tables, virtio 1.2 §2.7.5.3 (split) and §2.8.7 (packed).</summary>
internal static class IndirectTable
{
    public const int EntrySize = 16;

    /// <summary>Checks the descriptor that points at a table and returns the table's entry count.</summary>
    /// <param name="mayFollowDirect">
    /// Split rings allow direct descriptors before one final indirect descriptor (§2.7.5.3.2);
    /// packed rings do not (§2.8.19).
    /// </param>
    public static int CheckReference(RingMemory ring, ulong features, ushort flags, ulong address, uint length,
        int positionInChain, bool mayFollowDirect, int maxEntries)
    {
        if (!RingFeatures.Has(features, RingFeatures.IndirectDescBit))
        {
            throw new VirtqueueException(VirtqueueErrorReason.IndirectNotNegotiated,
                "VIRTQ_DESC_F_INDIRECT without VIRTIO_F_INDIRECT_DESC");
        }

        if ((flags & DescriptorFlags.Next) != 0)
        {
            throw new VirtqueueException(VirtqueueErrorReason.IndirectWithNext,
                "a descriptor has both INDIRECT and NEXT");
        }

        if (positionInChain != 0 && !mayFollowDirect)
        {
            throw new VirtqueueException(VirtqueueErrorReason.IndirectInChain,
                "an indirect descriptor follows other descriptors of its chain");
        }

        if (length == 0)
            throw new VirtqueueException(VirtqueueErrorReason.IndirectTableEmpty, "indirect table length is 0");

        if (length % EntrySize != 0)
        {
            throw new VirtqueueException(VirtqueueErrorReason.IndirectTableLengthNotMultipleOf16,
                $"indirect table length {length} is not a multiple of {EntrySize}");
        }

        long entries = length / EntrySize;
        if (entries > maxEntries)
        {
            throw new VirtqueueException(VirtqueueErrorReason.IndirectTableTooLarge,
                $"indirect table has {entries} entries, more than {maxEntries}");
        }

        if (!ring.Guest.IsValidRange(address, length))
        {
            throw new VirtqueueException(VirtqueueErrorReason.IndirectTableOutsideRam,
                $"indirect table 0x{address:x}+0x{length:x} is not inside guest RAM");
        }

        return (int)entries;
    }

    /// <summary>
    /// Split format: entries are split descriptors linked by next, starting at entry 0
    /// (§2.7.5.3). A chain longer than the table is a loop.
    /// </summary>
    public static void WalkSplit(RingMemory ring, ulong table, int entries, ChainBuilder builder)
    {
        Span<byte> raw = stackalloc byte[EntrySize];
        int index = 0;
        for (int walked = 1; ; walked++)
        {
            if (walked > entries)
            {
                throw new VirtqueueException(VirtqueueErrorReason.IndirectChainTooLong,
                    $"indirect chain is longer than its table of {entries} entries");
            }

            ring.Read(table + (ulong)(index * EntrySize), raw, "indirect descriptor");
            var d = SplitDescriptor.Parse(raw);
            if ((d.Flags & DescriptorFlags.Indirect) != 0)
            {
                throw new VirtqueueException(VirtqueueErrorReason.NestedIndirect,
                    "an indirect table contains an indirect descriptor");
            }

            builder.Add(d.Address, d.Length, (d.Flags & DescriptorFlags.Write) != 0);
            if ((d.Flags & DescriptorFlags.Next) == 0)
                return;

            if (d.Next >= entries)
            {
                throw new VirtqueueException(VirtqueueErrorReason.IndirectIndexOutOfRange,
                    $"indirect next {d.Next} is not below the table's {entries} entries");
            }

            index = d.Next;
        }
    }

    /// <summary>
    /// Packed format: every entry is used, in order (§2.8.7). WRITE is the only meaningful flag;
    /// the others and the buffer id are reserved and ignored, except INDIRECT, which the driver
    /// must not set here (§2.8.19) and which is rejected.
    /// </summary>
    public static void WalkPacked(RingMemory ring, ulong table, int entries, ChainBuilder builder)
    {
        Span<byte> raw = stackalloc byte[EntrySize];
        for (int i = 0; i < entries; i++)
        {
            ring.Read(table + (ulong)(i * EntrySize), raw, "indirect descriptor");
            var d = PackedDescriptor.Parse(raw);
            if ((d.Flags & DescriptorFlags.Indirect) != 0)
            {
                throw new VirtqueueException(VirtqueueErrorReason.NestedIndirect,
                    "an indirect table contains an indirect descriptor");
            }

            builder.Add(d.Address, d.Length, (d.Flags & DescriptorFlags.Write) != 0);
        }
    }
}
