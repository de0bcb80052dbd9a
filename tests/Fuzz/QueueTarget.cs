using PSVmm.Engine.Memory;
using PSVmm.Engine.Virtio.Queues;
using PSVmm.Tests.TestDoubles;

namespace PSVmm.Fuzz;

/// <summary>
/// Target "queue": a split or packed virtqueue over a guest memory image the fuzzer writes, driven
/// by a script of device-side calls (pop, add-used, notification decisions) and driver-side pokes.
/// </summary>
/// <remarks>
/// Input: flags (bit 0 packed, bit 1 INDIRECT_DESC, bit 2 EVENT_IDX), queue size selector
/// (1 + b % 16), two reserved bytes, <see cref="ImageSize"/> bytes of guest memory from address 0
/// (descriptor area at 0, driver area at 0x100, device area at 0x200), then operations.
/// Contract: VirtqueueException (the device marks NEEDS_RESET and stops). Findings: any other
/// exception (a GuestMemoryException means an unchecked guest access), a chain segment outside
/// guest RAM, inconsistent chain lengths, a pop loop that never ends.
/// </remarks>
internal static class QueueTarget
{
    public const int HeaderSize = 4;
    public const int ImageSize = 0x300;
    public const ulong DescArea = 0x0;
    public const ulong DriverArea = 0x100;
    public const ulong DeviceArea = 0x200;
    public const ulong RegionSize = 0x4000;
    public const ulong SecondRegion = 0x8000;
    public const int OpCount = 10;

    public enum Op : byte
    {
        Pop,
        AddUsed,
        NeedsNotification,
        EnableNotifications,
        DisableNotifications,
        Poke8,
        Poke16,
        Drain,
        ResetAndEnable,
        Snapshot,
    }

    public static ulong Features(byte flags) =>
        1UL << 32
        | ((flags & 1) != 0 ? 1UL << RingFeatures.RingPackedBit : 0)
        | ((flags & 2) != 0 ? 1UL << RingFeatures.IndirectDescBit : 0)
        | ((flags & 4) != 0 ? 1UL << RingFeatures.EventIdxBit : 0);

    public static void Run(byte[] data)
    {
        var input = new FuzzInput(data);
        byte flags = input.U8();
        ushort size = (ushort)(1 + input.U8() % 16);
        input.U16();
        // Two RAM regions with a hole between them, so region boundaries are exercised too.
        var memory = new VirtqTestMemory(new GuestRegion(0, RegionSize), new GuestRegion(SecondRegion, RegionSize));
        memory.Write(0, input.Bytes(ImageSize));
        var queue = new Virtqueue(0, 16, memory, maxIndirectEntries: 64);
        var geometry = new RingGeometry(size, DescArea, DriverArea, DeviceArea);
        ulong features = Features(flags);
        var pending = new List<DescriptorChain>();
        try
        {
            queue.Enable(geometry, features);
            while (!input.AtEnd)
            {
                switch ((Op)(input.U8() % OpCount))
                {
                    case Op.Pop:
                        Pop(queue, memory, pending);
                        break;
                    case Op.AddUsed:
                        if (pending.Count > 0)
                        {
                            int index = input.U8() % pending.Count;
                            var chain = pending[index];
                            pending.RemoveAt(index);
                            uint written = chain.WritableLength == 0 ? 0 : input.U16() % (chain.WritableLength + 1);
                            queue.AddUsed(chain, written);
                        }

                        break;
                    case Op.NeedsNotification:
                        queue.NeedsNotification();
                        break;
                    case Op.EnableNotifications:
                        queue.EnableGuestNotifications();
                        break;
                    case Op.DisableNotifications:
                        queue.DisableGuestNotifications();
                        break;
                    case Op.Poke8:
                        memory.Write(input.U16() % RegionSize, new[] { input.U8() });
                        break;
                    case Op.Poke16:
                        memory.Write<ushort>(input.U16() % (RegionSize - 1), input.U16());
                        break;
                    case Op.Drain:
                        Drain(queue, memory, pending, size);
                        break;
                    case Op.ResetAndEnable:
                        queue.Reset();
                        queue.Enable(geometry, features);
                        // Chains of the earlier incarnation must be refused quietly.
                        foreach (var stale in pending)
                        {
                            if (queue.AddUsed(stale, 0))
                                throw new FuzzFindingException($"a chain popped before the reset was accepted: {stale}");
                        }

                        pending.Clear();
                        break;
                    case Op.Snapshot:
                        queue.Snapshot();
                        break;
                }
            }

            Drain(queue, memory, pending, size);
        }
        catch (VirtqueueException e)
        {
            // The contract for a broken ring: the device marks itself NEEDS_RESET.
            Program.Note($"ring refused: {e.Message}");
            return;
        }

        Program.Note($"ring ok: {queue.Snapshot()}");
    }

    private static void Drain(Virtqueue queue, IGuestMemory memory, List<DescriptorChain> pending, ushort size)
    {
        foreach (var chain in pending)
        {
            queue.AddUsed(chain, chain.WritableLength);
        }

        pending.Clear();
        int limit = 4 * size + 8;
        do
        {
            queue.DisableGuestNotifications();
            while (Pop(queue, memory, pending))
            {
                queue.AddUsed(pending[^1], pending[^1].WritableLength);
                pending.Clear();
                if (--limit < 0)
                    throw new FuzzFindingException($"more than {4 * size + 8} chains from a queue of {size} without new buffers");
            }
        }
        while (queue.EnableGuestNotifications() && --limit >= 0);
        queue.NeedsNotification();
    }

    private static bool Pop(Virtqueue queue, IGuestMemory memory, List<DescriptorChain> pending)
    {
        if (!queue.TryPop(out var chain))
            return false;

        Check(chain, memory, queue);
        pending.Add(chain);
        return true;
    }

    public static void Check(DescriptorChain chain, IGuestMemory memory, Virtqueue queue)
    {
        ulong readable = 0, writable = 0;
        for (int i = 0; i < chain.Segments.Count; i++)
        {
            var segment = chain.Segments[i];
            if (!memory.IsValidRange(segment.Address, segment.Length))
                throw new FuzzFindingException($"{chain}: segment {i} [0x{segment.Address:x}, +{segment.Length}) is not guest RAM");

            if (segment.IsWritable != (i >= chain.ReadableCount))
                throw new FuzzFindingException($"{chain}: segment {i} is on the wrong side of the readable/writable split");

            if (i < chain.ReadableCount)
                readable += segment.Length;
            else
                writable += segment.Length;
        }

        if (readable != chain.ReadableLength || writable != chain.WritableLength)
            throw new FuzzFindingException($"{chain}: lengths do not add up ({readable} readable, {writable} writable)");

        if (chain.RingDescriptorCount == 0 || chain.RingDescriptorCount > queue.Size)
            throw new FuzzFindingException($"{chain}: occupies {chain.RingDescriptorCount} descriptors of a ring of {queue.Size}");

        if (queue.Format == VirtqueueFormat.Split && chain.Id >= queue.Size)
            throw new FuzzFindingException($"{chain}: head {chain.Id} is outside a ring of {queue.Size}");
    }
}
