using PSVmm.Engine.Virtio;
using PSVmm.Engine.Virtio.Queues;
using Xunit;
using static PSVmm.Tests.Virtio.Queues.QueueFixtures;

namespace PSVmm.Tests.Virtio.Queues;

/// <summary>
/// Fixed-seed randomized runs: a driver keeps adding direct and indirect chains of random
/// shape, the device pops them, completes them in random order, and the driver checks that
/// every buffer comes back exactly once with its id and written length.
/// </summary>
public class RandomizedQueueTests
{
    private static DriverBuffer[] RandomBuffers(Random random, int maxCount)
    {
        int count = random.Next(1, maxCount + 1);
        int readable = random.Next(0, count + 1);
        return Enumerable.Range(0, count)
            .Select(i => new DriverBuffer(Data + (ulong)random.Next(0, 0x80) * 0x1000, (uint)random.Next(0, 0x1001), i >= readable))
            .ToArray();
    }

    private static void AssertSegments(DriverBuffer[] expected, DescriptorChain chain) =>
        Assert.Equal(expected.Select(b => new BufferSegment(b.Address, b.Length, b.Writable)), chain.Segments);

    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 2)]
    [InlineData(true, 3)]
    [InlineData(true, 4)]
    public void EveryBufferComesBackOnce(bool packed, int seed)
    {
        var random = new Random(seed);
        const ushort size = 16;
        IVirtqueue queue;
        Func<DriverBuffer[], bool, ushort> add;
        Func<(bool, UsedEntry)> readUsed;
        ulong tableCursor = 0;
        if (packed)
        {
            var (_, q, driver) = Packed(size: size, features: PackedFeatures | VirtioFeatures.EventIdx);
            queue = q;
            add = (buffers, indirect) => indirect
                ? driver.AddIndirect(IndirectTables + (tableCursor++ % size) * 0x200, buffers)
                : driver.AddChain(buffers);
            readUsed = () => (driver.TryReadUsed(out var e, out _), e);
        }
        else
        {
            var (_, q, driver) = Split(size: size, features: SplitFeatures | VirtioFeatures.EventIdx);
            queue = q;
            add = (buffers, indirect) => indirect
                ? driver.AddIndirect(IndirectTables + (tableCursor++ % size) * 0x200, buffers)
                : driver.AddChain(buffers);
            readUsed = () => (driver.TryReadUsed(out var e), e);
        }

        var outstanding = new Dictionary<ushort, (DriverBuffer[] Buffers, int Slots)>();
        var inDevice = new List<DescriptorChain>();
        var expectedLength = new Dictionary<ushort, uint>();
        int freeSlots = size;
        int returned = 0;
        for (int step = 0; step < 5000; step++)
        {
            // Driver: add while there is room (an indirect chain takes one slot).
            while (freeSlots > 0 && random.Next(3) != 0)
            {
                bool indirect = random.Next(2) == 0;
                var buffers = RandomBuffers(random, indirect ? 24 : Math.Min(freeSlots, 5));
                ushort id = add(buffers, indirect);
                Assert.False(outstanding.ContainsKey(id));
                int slots = indirect ? 1 : buffers.Length;
                outstanding[id] = (buffers, slots);
                freeSlots -= slots;
            }

            // Device: pop some, complete some in random order.
            while (random.Next(4) != 0 && queue.TryPop(out var chain))
            {
                AssertSegments(outstanding[chain.Id].Buffers, chain);
                inDevice.Add(chain);
            }

            while (inDevice.Count > 0 && random.Next(3) != 0)
            {
                int pick = random.Next(inDevice.Count);
                var chain = inDevice[pick];
                inDevice.RemoveAt(pick);
                uint written = chain.WritableLength == 0 ? 0 : (uint)random.Next(0, (int)chain.WritableLength + 1);
                expectedLength[chain.Id] = written;
                queue.AddUsed(chain, written);
            }

            queue.NeedsNotification();

            // Driver: reap.
            while (true)
            {
                var (found, entry) = readUsed();
                if (!found)
                {
                    break;
                }

                ushort id = (ushort)entry.Id;
                Assert.True(outstanding.Remove(id, out var added), $"id {id} returned twice or never added");
                Assert.Equal(expectedLength[id], entry.Length);
                freeSlots += added.Slots;
                returned++;
            }
        }

        Assert.True(returned > 1000, $"only {returned} buffers went round");
        Assert.Null(queue.Snapshot().LastError);
    }
}
