using PSVmm.Engine.Virtio.Queues;
using Xunit;
using static PSVmm.Tests.Virtio.Queues.QueueFixtures;

namespace PSVmm.Tests.Virtio.Queues;

public class PackedVirtqueueTests
{
    [Fact]
    public void EmptyRingPopsNothing()
    {
        var (_, queue, _) = Packed();
        Assert.False(queue.TryPop(out _));
    }

    [Fact]
    public void ChainIsPoppedWithTheIdOfItsLastDescriptor()
    {
        var (_, queue, driver) = Packed();
        ushort id = driver.AddChainWithId(5,
            DriverBuffer.Out(Data, 16), DriverBuffer.Out(Data + 0x100, 512), DriverBuffer.In(Data + 0x400, 1));

        var chain = Pop(queue);

        Assert.Equal(id, chain.Id);
        Assert.Equal(3, chain.RingDescriptorCount);
        Assert.Equal(
            new[]
            {
                new BufferSegment(Data, 16, false),
                new BufferSegment(Data + 0x100, 512, false),
                new BufferSegment(Data + 0x400, 1, true),
            },
            chain.Segments);
        Assert.False(queue.TryPop(out _));
    }

    [Fact]
    public void UsedDescriptorIsWrittenAtTheFirstSlotAndSkipsTheChain()
    {
        var (_, queue, driver) = Packed();
        ushort a = driver.AddChain(DriverBuffer.Out(Data, 16), DriverBuffer.In(Data + 0x100, 64));
        ushort b = driver.AddChain(DriverBuffer.In(Data + 0x200, 8));

        queue.AddUsed(Pop(queue), 64);
        queue.AddUsed(Pop(queue), 0);

        Assert.True(driver.TryReadUsed(out var ua, out var flagsA));
        Assert.Equal(new UsedEntry(a, 64), ua);
        Assert.Equal(PackedRingDriver.Avail | PackedRingDriver.Used | PackedRingDriver.Write, flagsA);
        Assert.True(driver.TryReadUsed(out var ub, out var flagsB));
        Assert.Equal(new UsedEntry(b, 0), ub);

        // §2.8.4: WRITE in a used descriptor means data was written; none was.
        Assert.Equal(PackedRingDriver.Avail | PackedRingDriver.Used, flagsB);
        Assert.Equal(3, driver.NextUsed);
        Assert.Equal(3, queue.Snapshot().UsedIdx);

        // Slot 1 (second descriptor of chain a) still holds the driver's descriptor.
        Assert.Equal(PackedRingDriver.Avail | PackedRingDriver.Write, driver.ReadFlags(1));
    }

    [Fact]
    public void OutOfOrderCompletionWritesUsedDescriptorsInCompletionOrder()
    {
        var (_, queue, driver) = Packed();
        ushort a = driver.AddChain(DriverBuffer.In(Data, 8), DriverBuffer.In(Data + 8, 8));
        ushort b = driver.AddChain(DriverBuffer.In(Data + 16, 8));
        var ca = Pop(queue);
        var cb = Pop(queue);

        queue.AddUsed(cb, 8);
        queue.AddUsed(ca, 16);

        // The driver skips by the length of the chain whose id it reads.
        Assert.True(driver.TryReadUsed(out var first, out _));
        Assert.Equal(new UsedEntry(b, 8), first);
        Assert.Equal(1, driver.NextUsed);
        Assert.True(driver.TryReadUsed(out var second, out _));
        Assert.Equal(new UsedEntry(a, 16), second);
        Assert.Equal(3, driver.NextUsed);
    }

    [Fact]
    public void IndirectTableOccupiesOneRingSlot()
    {
        var (_, queue, driver) = Packed();
        var buffers = new[] { DriverBuffer.Out(Data, 16), DriverBuffer.In(Data + 0x100, 4096), DriverBuffer.In(Data + 0x2000, 1) };
        ushort id = driver.AddIndirect(IndirectTables, buffers);
        ushort next = driver.AddChain(DriverBuffer.Out(Data + 0x3000, 1));

        var chain = Pop(queue);
        Assert.Equal(id, chain.Id);
        Assert.Equal(1, chain.RingDescriptorCount);
        Assert.Equal(buffers.Select(b => new BufferSegment(b.Address, b.Length, b.Writable)), chain.Segments);
        Assert.Equal(next, Pop(queue).Id);
    }

    [Fact]
    public void WrapCountersFlipAsTheRingIsReused()
    {
        var (_, queue, driver) = Packed(size: 5);
        bool availWrap = true;
        int position = 0;
        for (int round = 0; round < 200; round++)
        {
            // Chains of 1..3 descriptors make wraps land mid-chain as well as on boundaries.
            int length = round % 3 + 1;
            var buffers = Enumerable.Range(0, length).Select(i => DriverBuffer.In(Data + (ulong)(round * 0x100 + i * 8), 8)).ToArray();
            ushort id = driver.AddChain(buffers);
            var chain = Pop(queue);
            Assert.Equal(id, chain.Id);
            Assert.Equal(length, chain.Segments.Count);
            Assert.Equal(buffers[0].Address, chain.Segments[0].Address);

            position += length;
            if (position >= 5)
            {
                position -= 5;
                availWrap = !availWrap;
            }

            var state = queue.Snapshot();
            Assert.Equal((ushort)position, state.NextAvail);
            Assert.Equal(availWrap, state.AvailWrapCounter);
            Assert.Equal(driver.AvailWrap, state.AvailWrapCounter);

            queue.AddUsed(chain, (uint)(8 * length));
            Assert.True(driver.TryReadUsed(out var used, out _));
            Assert.Equal(new UsedEntry(id, (uint)(8 * length)), used);
            Assert.Equal(availWrap, queue.Snapshot().UsedWrapCounter);
            Assert.Equal(driver.UsedWrap, queue.Snapshot().UsedWrapCounter);
        }
    }

    [Fact]
    public void StaleDescriptorFromThePreviousLapIsNotAvailable()
    {
        var (_, queue, driver) = Packed(size: 2);
        for (int i = 0; i < 2; i++)
        {
            driver.AddChain(DriverBuffer.In(Data, 8));
            queue.AddUsed(Pop(queue), 8);
            Assert.True(driver.TryReadUsed(out _, out _));
        }

        // Both slots now hold used descriptors of lap 1 (AVAIL = USED = 1); the device is on lap 0.
        Assert.False(queue.Snapshot().AvailWrapCounter);
        Assert.False(queue.TryPop(out _));
        driver.AddChain(DriverBuffer.In(Data, 8));
        Assert.True(queue.TryPop(out _));
    }

    [Fact]
    public void FullRingIsAccepted()
    {
        var (_, queue, driver) = Packed(size: 4);
        driver.AddChain(DriverBuffer.Out(Data, 1), DriverBuffer.Out(Data, 1));
        driver.AddChain(DriverBuffer.Out(Data, 1));
        driver.AddChain(DriverBuffer.Out(Data, 1));
        Pop(queue);
        Pop(queue);
        Pop(queue);
        Assert.False(queue.TryPop(out _));
    }

    [Fact]
    public void GuestNotificationsUseTheDeviceEventStructure()
    {
        var (_, queue, driver) = Packed();
        queue.DisableGuestNotifications();
        Assert.Equal(1, driver.DeviceEventFlags);
        Assert.False(queue.EnableGuestNotifications());
        Assert.Equal(0, driver.DeviceEventFlags);

        queue.DisableGuestNotifications();
        driver.AddChain(DriverBuffer.Out(Data, 1));
        Assert.True(queue.EnableGuestNotifications());
    }

    [Fact]
    public void SnapshotShowsWhetherTheDeviceAsksForKicks()
    {
        var (_, queue, _) = Packed();
        Assert.True(queue.Snapshot().GuestNotificationsEnabled);
        queue.DisableGuestNotifications();
        Assert.False(queue.Snapshot().GuestNotificationsEnabled);
        queue.EnableGuestNotifications();
        Assert.True(queue.Snapshot().GuestNotificationsEnabled);
    }

    [Fact]
    public void SnapshotReportsPackedPositionsAndWrapCounters()
    {
        var (_, queue, driver) = Packed(size: 4);
        driver.AddChain(DriverBuffer.Out(Data, 1), DriverBuffer.Out(Data, 1), DriverBuffer.Out(Data, 1));
        var chain = Pop(queue);
        driver.AddChain(DriverBuffer.Out(Data, 1), DriverBuffer.Out(Data, 1));
        queue.AddUsed(chain, 0);
        var chain2 = Pop(queue);

        var s = queue.Snapshot();
        Assert.Equal(VirtqueueFormat.Packed, s.Format);
        Assert.Equal((ushort)1, s.NextAvail);
        Assert.False(s.AvailWrapCounter);
        Assert.Equal((ushort)3, s.UsedIdx);
        Assert.True(s.UsedWrapCounter);

        queue.AddUsed(chain2, 0);
        s = queue.Snapshot();
        Assert.Equal((ushort)1, s.UsedIdx);
        Assert.False(s.UsedWrapCounter);
        Assert.Equal((2ul, 2ul), (s.Popped, s.Completed));
    }

    [Fact]
    public void PackedDescModeNotifiesWhenMoreThanALapWasUsedSinceTheLastDecision()
    {
        var (_, queue, driver) = Packed(size: 4, features: PackedFeatures | PSVmm.Engine.Virtio.VirtioFeatures.EventIdx);
        driver.SetDriverEvent(2, 0x8000 | 3);
        for (int i = 0; i < 5; i++)
        {
            driver.AddChain(DriverBuffer.Out(Data, 1));
            queue.AddUsed(Pop(queue), 0);
            Assert.True(driver.TryReadUsed(out _, out _));
        }

        // Slot (3, wrap 1) was used in the first lap; five slots were used since the last decision.
        Assert.True(queue.NeedsNotification());
    }
}
