using PSVmm.Engine.Virtio.Queues;
using Xunit;
using static PSVmm.Tests.Virtio.Queues.QueueFixtures;

namespace PSVmm.Tests.Virtio.Queues;

public class SplitVirtqueueTests
{
    [Fact]
    public void EmptyQueuePopsNothing()
    {
        var (_, queue, _) = Split();
        Assert.False(queue.TryPop(out _));
        Assert.False(queue.NeedsNotification());
    }

    [Fact]
    public void SimpleChainIsPoppedWithReadableThenWritableSegments()
    {
        var (_, queue, driver) = Split();
        ushort head = driver.AddChain(
            DriverBuffer.Out(Data, 16),
            DriverBuffer.Out(Data + 0x100, 512),
            DriverBuffer.In(Data + 0x400, 1));

        var chain = Pop(queue);

        Assert.Equal(head, chain.Id);
        Assert.Equal(
            new[]
            {
                new BufferSegment(Data, 16, false),
                new BufferSegment(Data + 0x100, 512, false),
                new BufferSegment(Data + 0x400, 1, true),
            },
            chain.Segments);
        Assert.Equal(2, chain.ReadableCount);
        Assert.Equal(1, chain.WritableCount);
        Assert.Equal(528u, chain.ReadableLength);
        Assert.Equal(1u, chain.WritableLength);
        Assert.False(queue.TryPop(out _));
    }

    [Fact]
    public void AddUsedPublishesIdAndLengthThenIndex()
    {
        var (_, queue, driver) = Split();
        ushort first = driver.AddChain(DriverBuffer.In(Data, 100));
        ushort second = driver.AddChain(DriverBuffer.In(Data + 0x1000, 200));
        var a = Pop(queue);
        var b = Pop(queue);

        // Completed out of order: the used ring records the order of completion.
        queue.AddUsed(b, 150);
        queue.AddUsed(a, 0);

        Assert.Equal(2, driver.UsedIdx);
        Assert.True(driver.TryReadUsed(out var u1));
        Assert.True(driver.TryReadUsed(out var u2));
        Assert.Equal(new UsedEntry(second, 150), u1);
        Assert.Equal(new UsedEntry(first, 0), u2);
        Assert.False(driver.TryReadUsed(out _));
    }

    [Fact]
    public void ChainAsLongAsTheQueueIsAccepted()
    {
        var (_, queue, driver) = Split(size: 16);
        var buffers = Enumerable.Range(0, 16)
            .Select(i => i < 10 ? DriverBuffer.Out(Data + (ulong)i * 0x1000, 0x1000) : DriverBuffer.In(Data + (ulong)i * 0x1000, 0x800))
            .ToArray();
        driver.AddChain(buffers);

        var chain = Pop(queue);

        Assert.Equal(16, chain.Segments.Count);
        Assert.Equal(buffers.Select(b => new BufferSegment(b.Address, b.Length, b.Writable)), chain.Segments);
        Assert.Equal(10u * 0x1000, chain.ReadableLength);
        Assert.Equal(6u * 0x800, chain.WritableLength);
    }

    [Fact]
    public void IndirectChainIsFollowedThroughNextLinks()
    {
        var (_, queue, driver) = Split();
        var buffers = new[]
        {
            DriverBuffer.Out(Data, 16),
            DriverBuffer.Out(Data + 0x100, 4096),
            DriverBuffer.In(Data + 0x2000, 4096),
            DriverBuffer.In(Data + 0x4000, 1),
        };
        ushort head = driver.AddIndirect(IndirectTables, buffers);

        var chain = Pop(queue);

        Assert.Equal(head, chain.Id);
        Assert.Equal(buffers.Select(b => new BufferSegment(b.Address, b.Length, b.Writable)), chain.Segments);
        queue.AddUsed(chain, 4097);
        Assert.True(driver.TryReadUsed(out var used));
        Assert.Equal(new UsedEntry(head, 4097), used);
    }

    [Fact]
    public void IndirectTableMayBeLargerThanTheQueue()
    {
        var (_, queue, driver) = Split(size: 4);
        var buffers = Enumerable.Range(0, 20).Select(i => DriverBuffer.Out(Data + (ulong)i * 0x100, 0x100)).ToArray();
        driver.AddIndirect(IndirectTables, buffers);

        Assert.Equal(20, Pop(queue).Segments.Count);
    }

    [Fact]
    public void IndicesWrapPast65535()
    {
        var (_, queue, driver) = Split(size: 4);
        const int rounds = 70_000;
        for (int i = 0; i < rounds; i++)
        {
            ushort head = driver.AddChain(DriverBuffer.Out(Data, 8), DriverBuffer.In(Data + 0x100, (uint)(i % 64 + 1)));
            var chain = Pop(queue);
            Assert.Equal(head, chain.Id);
            queue.AddUsed(chain, (uint)(i % 64 + 1));
            Assert.True(driver.TryReadUsed(out var used));
            Assert.Equal(new UsedEntry(head, (uint)(i % 64 + 1)), used);
        }

        var state = queue.Snapshot();
        Assert.Equal(unchecked((ushort)rounds), state.NextAvail);
        Assert.Equal(unchecked((ushort)rounds), state.UsedIdx);
        Assert.Equal((ulong)rounds, state.Popped);
        Assert.Equal((ulong)rounds, state.Completed);
    }

    [Fact]
    public void FullRingOfPendingBuffersIsAcceptedAcrossTheIndexWrap()
    {
        var (_, queue, driver) = Split(size: 8);

        // Move both sides to 65532 so the next batch straddles 65535 -> 0.
        for (int i = 0; i < 65532; i++)
        {
            driver.AddChain(DriverBuffer.Out(Data, 1));
            queue.AddUsed(Pop(queue), 0);
            Assert.True(driver.TryReadUsed(out _));
        }

        for (int i = 0; i < 8; i++)
        {
            driver.AddChain(DriverBuffer.Out(Data + (ulong)i, 1));
        }

        Assert.Equal(4, driver.AvailIdx);
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(Data + (ulong)i, Pop(queue).Segments[0].Address);
        }

        Assert.False(queue.TryPop(out _));
    }

    [Fact]
    public void BufferEndingExactlyAtEndOfRamIsValid()
    {
        var (_, queue, driver) = Split();
        driver.AddChain(DriverBuffer.In(RamSize - 0x1000, 0x1000));
        var chain = Pop(queue);
        Assert.Equal(RamSize, chain.Segments[0].Address + chain.Segments[0].Length);
    }

    [Fact]
    public void BufferEndingExactlyAtTheHoleIsValid()
    {
        var memory = WithHole(0x100000, 0x100000, 0x100000);
        var (_, queue, driver) = Split(memory: memory);
        driver.AddChain(DriverBuffer.Out(0x100000 - 64, 64), DriverBuffer.In(0x200000, 0x100000));
        var chain = Pop(queue);
        Assert.Equal(2, chain.Segments.Count);
    }

    [Fact]
    public void GuestNotificationsWithoutEventIdxUseUsedFlags()
    {
        var (_, queue, driver) = Split();
        queue.DisableGuestNotifications();
        Assert.Equal(1, driver.UsedFlags);
        Assert.False(queue.Snapshot().GuestNotificationsEnabled);

        Assert.False(queue.EnableGuestNotifications());
        Assert.Equal(0, driver.UsedFlags);

        queue.DisableGuestNotifications();
        driver.AddChain(DriverBuffer.Out(Data, 1));

        // A buffer that arrived while notifications were off must be reported by the re-check.
        Assert.True(queue.EnableGuestNotifications());
        Assert.True(queue.Snapshot().GuestNotificationsEnabled);
    }

    [Fact]
    public void SnapshotReportsConfigurationAndCounters()
    {
        var (_, queue, driver) = Split(size: 16);
        driver.AddChain(DriverBuffer.Out(Data, 1));
        driver.AddChain(DriverBuffer.Out(Data, 1));
        var chain = Pop(queue);
        queue.AddUsed(chain, 0);
        queue.RecordDriverNotification();
        Assert.True(queue.NeedsNotification());
        driver.SetAvailFlags(1);
        queue.AddUsed(Pop(queue), 0);
        Assert.False(queue.NeedsNotification());

        var s = queue.Snapshot();
        Assert.Equal(VirtqueueFormat.Split, s.Format);
        Assert.Equal((ushort)16, s.Geometry.Size);
        Assert.Equal((ushort)256, s.MaxSize);
        Assert.True(s.Enabled);
        Assert.Equal((DescArea, DriverArea, DeviceArea), (s.Geometry.DescriptorArea, s.Geometry.DriverArea, s.Geometry.DeviceArea));
        Assert.Equal(SplitFeatures, s.Features);
        Assert.Equal((ushort)2, s.NextAvail);
        Assert.Equal((ushort)2, s.LastAvailIdx);
        Assert.Equal((ushort)2, s.UsedIdx);
        Assert.Equal(2ul, s.Popped);
        Assert.Equal(2ul, s.Completed);
        Assert.Equal(1ul, s.Notifications);
        Assert.Equal(1ul, s.Interrupts);
        Assert.Equal(1ul, s.Suppressed);
        Assert.Null(s.LastError);
    }

    [Fact]
    public void DirectDescriptorsFollowedByOneIndirectDescriptorAreOneChain()
    {
        // §2.7.5.3.2: the device must handle normal descriptors followed by a single indirect one.
        var (_, queue, driver) = Split();
        driver.WriteDescriptorAt(IndirectTables, Data + 0x100, 32, 1, 1);
        driver.WriteDescriptorAt(IndirectTables + 16, Data + 0x200, 64, 2, 0);
        driver.WriteDescriptor(3, Data, 16, 1, 5);
        driver.WriteDescriptor(5, IndirectTables, 32, 4 | 2, 0);
        driver.Publish(3);

        var chain = Pop(queue);

        Assert.Equal(3, chain.Id);
        Assert.Equal(
            new[]
            {
                new BufferSegment(Data, 16, false),
                new BufferSegment(Data + 0x100, 32, false),
                new BufferSegment(Data + 0x200, 64, true),
            },
            chain.Segments);
    }
}
