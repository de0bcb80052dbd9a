using PSVmm.Engine.Memory;
using PSVmm.Engine.Virtio;
using PSVmm.Engine.Virtio.Queues;
using PSVmm.Tests.TestDoubles;
using Xunit;
using static PSVmm.Tests.Virtio.Queues.QueueFixtures;

namespace PSVmm.Tests.Virtio.Queues;

/// <summary>
/// Every malformed split ring yields its own reason, consumes nothing (a retry fails the same
/// way), and leaves a queue that works again after Reset.
/// </summary>
public class MalformedSplitRingTests
{
    private const ushort Next = 1, Write = 2, Indirect = 4;

    private static void AssertPopFails(Virtqueue queue, VirtqTestMemory memory, VirtqueueErrorReason reason,
        ulong features = SplitFeatures)
    {
        AssertQueueError(reason, () => queue.TryPop(out _));
        var before = queue.Snapshot();
        AssertQueueError(reason, () => queue.TryPop(out _));
        Assert.Equal(before.NextAvail, queue.Snapshot().NextAvail);
        Assert.Equal(0ul, queue.Snapshot().Popped);
        AssertRecoversAfterReset(queue, memory, reason, features);
    }

    [Fact]
    public void HeadIndexAtQueueSize()
    {
        var (memory, queue, driver) = Split(size: 8);
        driver.Publish(8);
        AssertPopFails(queue, memory, VirtqueueErrorReason.DescriptorIndexOutOfRange);
    }

    [Fact]
    public void HeadRepublishedWhileInFlightCannotGrowTheRequestsInFlight()
    {
        var (memory, queue, driver) = Split(size: 4);
        driver.WriteDescriptor(0, Data, 16, 0, 0);
        for (int i = 0; i < 4; i++)
        {
            driver.Publish(0);
            Assert.True(queue.TryPop(out _));
        }

        // A fifth copy of head 0, none of the four used yet: five descriptors in a table of four.
        driver.Publish(0);
        AssertQueueError(VirtqueueErrorReason.AvailIndexTooFarAhead, () => queue.TryPop(out _));
        Assert.Equal(4ul, queue.Snapshot().Popped);
    }

    [Fact]
    public void UsedChainsMakeRoomForNewOnes()
    {
        var (_, queue, driver) = Split(size: 2);
        driver.WriteDescriptor(0, Data, 16, 0, 0);
        for (int i = 0; i < 10; i++)
        {
            driver.Publish(0);
            Assert.True(queue.TryPop(out var chain));
            queue.AddUsed(chain, 0);
        }
    }

    [Fact]
    public void NextIndexAtQueueSize()
    {
        var (memory, queue, driver) = Split(size: 8);
        driver.WriteDescriptor(0, Data, 16, Next, 8);
        driver.Publish(0);
        AssertPopFails(queue, memory, VirtqueueErrorReason.DescriptorIndexOutOfRange);
    }

    [Fact]
    public void ChainLoop()
    {
        var (memory, queue, driver) = Split(size: 8);
        driver.WriteDescriptor(0, Data, 16, Next, 1);
        driver.WriteDescriptor(1, Data, 16, Next, 0);
        driver.Publish(0);
        AssertPopFails(queue, memory, VirtqueueErrorReason.ChainTooLong);
    }

    [Fact]
    public void SelfLoopOnTheLastDescriptor()
    {
        var (memory, queue, driver) = Split(size: 4);
        driver.WriteDescriptor(0, Data, 16, Next, 1);
        driver.WriteDescriptor(1, Data, 16, Next, 2);
        driver.WriteDescriptor(2, Data, 16, Next, 3);
        driver.WriteDescriptor(3, Data, 16, Next, 3);
        driver.Publish(0);
        AssertPopFails(queue, memory, VirtqueueErrorReason.ChainTooLong);
    }

    [Fact]
    public void TotalLengthBeyond32Bits()
    {
        var (memory, queue, driver) = Split();
        driver.WriteDescriptor(0, Data, 0x1000, Next, 1);
        driver.WriteDescriptor(1, Data, uint.MaxValue, 0, 0);
        driver.Publish(0);
        AssertPopFails(queue, memory, VirtqueueErrorReason.TotalLengthOverflow);
    }

    [Fact]
    public void TotalLengthOfExactly4GiBMinusOneIsNotAnOverflow()
    {
        // Lengths are checked before RAM, so this proves the boundary of the overflow check alone.
        var (_, queue, driver) = Split();
        driver.WriteDescriptor(0, Data, 1, Next, 1);
        driver.WriteDescriptor(1, Data, uint.MaxValue - 1, 0, 0);
        driver.Publish(0);
        AssertQueueError(VirtqueueErrorReason.BufferOutsideRam, () => queue.TryPop(out _));
    }

    [Fact]
    public void BufferPastEndOfRam()
    {
        var (memory, queue, driver) = Split();
        driver.AddChain(DriverBuffer.In(RamSize - 0x1000, 0x1001));
        AssertPopFails(queue, memory, VirtqueueErrorReason.BufferOutsideRam);
    }

    [Fact]
    public void BufferCrossingTheHole()
    {
        var memory = WithHole(0x100000, 0x100000, 0x100000);
        var (_, queue, driver) = Split(memory: memory);
        driver.AddChain(DriverBuffer.Out(0x100000 - 64, 65));
        AssertPopFails(queue, memory, VirtqueueErrorReason.BufferOutsideRam);
    }

    [Fact]
    public void BufferInsideTheHole()
    {
        var memory = WithHole(0x100000, 0x100000, 0x100000);
        var (_, queue, driver) = Split(memory: memory);
        driver.AddChain(DriverBuffer.Out(0x180000, 16));
        AssertPopFails(queue, memory, VirtqueueErrorReason.BufferOutsideRam);
    }

    [Fact]
    public void BufferWhoseEndWrapsPast2To64()
    {
        var (memory, queue, driver) = Split();
        driver.AddChain(DriverBuffer.Out(ulong.MaxValue - 15, 32));
        AssertPopFails(queue, memory, VirtqueueErrorReason.BufferOutsideRam);
    }

    [Fact]
    public void ReadableAfterWritable()
    {
        var (memory, queue, driver) = Split();
        driver.AddChain(DriverBuffer.Out(Data, 16), DriverBuffer.In(Data + 0x100, 16), DriverBuffer.Out(Data + 0x200, 16));
        AssertPopFails(queue, memory, VirtqueueErrorReason.ReadableAfterWritable);
    }

    [Fact]
    public void ReadableAfterWritableInsideIndirectTable()
    {
        var (memory, queue, driver) = Split();
        driver.AddIndirect(IndirectTables, DriverBuffer.In(Data, 16), DriverBuffer.Out(Data + 0x100, 16));
        AssertPopFails(queue, memory, VirtqueueErrorReason.ReadableAfterWritable);
    }

    [Fact]
    public void AvailIndexMoreThanQueueSizeAhead()
    {
        var (memory, queue, driver) = Split(size: 8);
        driver.SetAvailIdx(9);
        AssertPopFails(queue, memory, VirtqueueErrorReason.AvailIndexTooFarAhead);
    }

    [Fact]
    public void AvailIndexRunningBackwardsLooksFarAhead()
    {
        var (memory, queue, driver) = Split(size: 8);
        driver.AddChain(DriverBuffer.Out(Data, 1));
        queue.AddUsed(Pop(queue), 0);
        driver.SetAvailIdx(0);
        AssertQueueError(VirtqueueErrorReason.AvailIndexTooFarAhead, () => queue.TryPop(out _));
        AssertRecoversAfterReset(queue, memory, VirtqueueErrorReason.AvailIndexTooFarAhead);
    }

    [Fact]
    public void AvailIndexExactlyQueueSizeAheadIsAccepted()
    {
        var (_, queue, driver) = Split(size: 8);
        for (int i = 0; i < 8; i++)
        {
            driver.AddChain(DriverBuffer.Out(Data, 1));
        }

        for (int i = 0; i < 8; i++)
        {
            Pop(queue);
        }

        Assert.False(queue.TryPop(out _));
    }

    [Fact]
    public void IndirectWithoutTheFeature()
    {
        var (memory, queue, driver) = Split(features: VirtioFeatures.Version1);
        driver.AddIndirect(IndirectTables, DriverBuffer.Out(Data, 16));
        AssertPopFails(queue, memory, VirtqueueErrorReason.IndirectNotNegotiated, VirtioFeatures.Version1);
    }

    [Fact]
    public void IndirectTableLengthNotMultipleOf16()
    {
        var (memory, queue, driver) = Split();
        driver.WriteDescriptor(0, IndirectTables, 24, Indirect, 0);
        driver.Publish(0);
        AssertPopFails(queue, memory, VirtqueueErrorReason.IndirectTableLengthNotMultipleOf16);
    }

    [Fact]
    public void IndirectTableEmpty()
    {
        var (memory, queue, driver) = Split();
        driver.WriteDescriptor(0, IndirectTables, 0, Indirect, 0);
        driver.Publish(0);
        AssertPopFails(queue, memory, VirtqueueErrorReason.IndirectTableEmpty);
    }

    [Fact]
    public void IndirectTableTooLarge()
    {
        var (memory, queue, driver) = Split(maxIndirect: 4);
        driver.AddIndirect(IndirectTables, Enumerable.Range(0, 5).Select(i => DriverBuffer.Out(Data, 1)).ToArray());
        AssertPopFails(queue, memory, VirtqueueErrorReason.IndirectTableTooLarge);
    }

    [Fact]
    public void IndirectTableAtTheLimitIsAccepted()
    {
        var (_, queue, driver) = Split(maxIndirect: 4);
        driver.AddIndirect(IndirectTables, Enumerable.Range(0, 4).Select(i => DriverBuffer.Out(Data, 1)).ToArray());
        Assert.Equal(4, Pop(queue).Segments.Count);
    }

    [Fact]
    public void IndirectTableOutsideRam()
    {
        var (memory, queue, driver) = Split();
        driver.WriteDescriptor(0, RamSize - 16, 32, Indirect, 0);
        driver.Publish(0);
        AssertPopFails(queue, memory, VirtqueueErrorReason.IndirectTableOutsideRam);
    }

    [Fact]
    public void NestedIndirect()
    {
        var (memory, queue, driver) = Split();
        driver.WriteDescriptorAt(IndirectTables, IndirectTables + 0x100, 16, Indirect, 0);
        driver.WriteDescriptor(0, IndirectTables, 16, Indirect, 0);
        driver.Publish(0);
        AssertPopFails(queue, memory, VirtqueueErrorReason.NestedIndirect);
    }

    [Fact]
    public void IndirectWithNext()
    {
        var (memory, queue, driver) = Split();
        driver.WriteDescriptorAt(IndirectTables, Data, 16, 0, 0);
        driver.WriteDescriptor(0, IndirectTables, 16, Indirect | Next, 1);
        driver.WriteDescriptor(1, Data, 16, 0, 0);
        driver.Publish(0);
        AssertPopFails(queue, memory, VirtqueueErrorReason.IndirectWithNext);
    }

    [Fact]
    public void WritableDirectDescriptorBeforeReadableIndirectEntries()
    {
        var (memory, queue, driver) = Split();
        driver.WriteDescriptorAt(IndirectTables, Data, 16, 0, 0);
        driver.WriteDescriptor(0, Data, 16, Next | Write, 1);
        driver.WriteDescriptor(1, IndirectTables, 16, Indirect, 0);
        driver.Publish(0);
        AssertPopFails(queue, memory, VirtqueueErrorReason.ReadableAfterWritable);
    }

    [Fact]
    public void IndirectNextOutsideTheTable()
    {
        var (memory, queue, driver) = Split();
        driver.WriteDescriptorAt(IndirectTables, Data, 16, Next, 2);
        driver.WriteDescriptorAt(IndirectTables + 16, Data, 16, 0, 0);
        driver.WriteDescriptor(0, IndirectTables, 32, Indirect, 0);
        driver.Publish(0);
        AssertPopFails(queue, memory, VirtqueueErrorReason.IndirectIndexOutOfRange);
    }

    [Fact]
    public void IndirectLoop()
    {
        var (memory, queue, driver) = Split();
        driver.WriteDescriptorAt(IndirectTables, Data, 16, Next, 1);
        driver.WriteDescriptorAt(IndirectTables + 16, Data, 16, Next, 0);
        driver.WriteDescriptor(0, IndirectTables, 32, Indirect, 0);
        driver.Publish(0);
        AssertPopFails(queue, memory, VirtqueueErrorReason.IndirectChainTooLong);
    }

    [Fact]
    public void IndirectBufferOutsideRam()
    {
        var (memory, queue, driver) = Split();
        driver.AddIndirect(IndirectTables, DriverBuffer.Out(Data, 16), DriverBuffer.In(RamSize, 1));
        AssertPopFails(queue, memory, VirtqueueErrorReason.BufferOutsideRam);
    }

    [Fact]
    public void UsedRingWriteFailure()
    {
        var (memory, queue, driver) = Split();
        driver.AddChain(DriverBuffer.In(Data, 16));
        var chain = Pop(queue);
        memory.FailWritesIn = new GuestRegion(DeviceArea, 0x100);

        var e = AssertQueueError(VirtqueueErrorReason.UsedRingWriteFailed, () => queue.AddUsed(chain, 16));
        Assert.IsType<GuestMemoryException>(e.InnerException);
        Assert.Equal(0ul, queue.Snapshot().Completed);
        Assert.Equal(0, driver.UsedIdx);

        memory.FailWritesIn = null;
        AssertRecoversAfterReset(queue, memory, VirtqueueErrorReason.UsedRingWriteFailed);
    }

    [Fact]
    public void RingReadFailure()
    {
        var (memory, queue, driver) = Split();
        driver.AddChain(DriverBuffer.In(Data, 16));
        memory.FailReadsIn = new GuestRegion(DescArea, 16);
        AssertQueueError(VirtqueueErrorReason.RingReadFailed, () => queue.TryPop(out _));
        memory.FailReadsIn = null;
        AssertRecoversAfterReset(queue, memory, VirtqueueErrorReason.RingReadFailed);
    }

    [Fact]
    public void AvailEventWriteFailureConsumesNothing()
    {
        var (memory, queue, driver) = Split(features: SplitFeatures | VirtioFeatures.EventIdx);
        ushort head = driver.AddChain(DriverBuffer.Out(Data, 16));
        memory.FailWritesIn = new GuestRegion(DeviceArea + 4 + 8 * 8, 2);
        AssertQueueError(VirtqueueErrorReason.UsedRingWriteFailed, () => queue.TryPop(out _));
        Assert.Equal((ushort)0, queue.Snapshot().NextAvail);

        // The failure left the ring untouched: once memory works again the same buffer pops.
        memory.FailWritesIn = null;
        Assert.Equal(head, Pop(queue).Id);
        Assert.Equal(1, driver.AvailEvent);
    }
}
