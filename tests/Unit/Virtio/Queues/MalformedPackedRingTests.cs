using PSVmm.Engine.Memory;
using PSVmm.Engine.Virtio;
using PSVmm.Engine.Virtio.Queues;
using PSVmm.Tests.TestDoubles;
using Xunit;
using static PSVmm.Tests.Virtio.Queues.PackedRingDriver;
using static PSVmm.Tests.Virtio.Queues.QueueFixtures;

namespace PSVmm.Tests.Virtio.Queues;

public class MalformedPackedRingTests
{
    private static void AssertPopFails(Virtqueue queue, VirtqTestMemory memory, VirtqueueErrorReason reason)
    {
        var before = queue.Snapshot();
        AssertQueueError(reason, () => queue.TryPop(out _));
        AssertQueueError(reason, () => queue.TryPop(out _));
        var after = queue.Snapshot();
        Assert.Equal((before.NextAvail, before.AvailWrapCounter, before.Popped), (after.NextAvail, after.AvailWrapCounter, after.Popped));
        AssertRecoversAfterReset(queue, memory, reason);
    }

    [Fact]
    public void BufferIdAtQueueSize()
    {
        var (memory, queue, driver) = Packed(size: 8);
        driver.AddChainWithId(8, DriverBuffer.Out(Data, 1));
        AssertPopFails(queue, memory, VirtqueueErrorReason.BufferIdOutOfRange);
    }

    [Fact]
    public void ChainRunningRoundTheRing()
    {
        var (memory, queue, driver) = Packed(size: 4);
        for (ushort i = 1; i < 4; i++)
        {
            driver.WriteDescriptor(i, Data, 1, 0, (ushort)(Next | AvailableBits(true)));
        }

        driver.WriteDescriptor(0, Data, 1, 0, (ushort)(Next | AvailableBits(true)));
        AssertPopFails(queue, memory, VirtqueueErrorReason.ChainTooLong);
    }

    [Fact]
    public void DescriptorsRepublishedWhileInFlight()
    {
        var (memory, queue, driver) = Packed(size: 2);
        driver.AddChain(DriverBuffer.Out(Data, 1));
        driver.AddChain(DriverBuffer.Out(Data, 1));
        Pop(queue);
        Pop(queue);

        // Slot 0 made available again for lap 0 although the device never returned it.
        driver.WriteDescriptor(0, Data, 1, 0, AvailableBits(false));
        AssertPopFails(queue, memory, VirtqueueErrorReason.AvailIndexTooFarAhead);
    }

    [Fact]
    public void IndirectWithoutTheFeature()
    {
        var (memory, queue, driver) = Packed(features: PackedFeatures & ~VirtioFeatures.IndirectDesc);
        driver.AddIndirect(IndirectTables, DriverBuffer.Out(Data, 16));
        AssertPopFails(queue, memory, VirtqueueErrorReason.IndirectNotNegotiated);
    }

    [Fact]
    public void IndirectWithNext()
    {
        var (memory, queue, driver) = Packed();
        driver.WriteDescriptorAt(IndirectTables, Data, 16, 0, 0);
        driver.WriteDescriptor(1, Data, 16, 0, AvailableBits(true));
        driver.WriteDescriptor(0, IndirectTables, 16, 0, (ushort)(Indirect | Next | AvailableBits(true)));
        AssertPopFails(queue, memory, VirtqueueErrorReason.IndirectWithNext);
    }

    [Fact]
    public void IndirectInsideAChain()
    {
        var (memory, queue, driver) = Packed();
        driver.WriteDescriptorAt(IndirectTables, Data, 16, 0, 0);
        driver.WriteDescriptor(1, IndirectTables, 16, 0, (ushort)(Indirect | AvailableBits(true)));
        driver.WriteDescriptor(0, Data, 16, 0, (ushort)(Next | AvailableBits(true)));
        AssertPopFails(queue, memory, VirtqueueErrorReason.IndirectInChain);
    }

    [Fact]
    public void NestedIndirect()
    {
        var (memory, queue, driver) = Packed();
        driver.WriteDescriptorAt(IndirectTables, Data, 16, 0, 0);
        driver.WriteDescriptorAt(IndirectTables + 16, IndirectTables, 16, 0, Indirect);
        driver.WriteDescriptor(0, IndirectTables, 32, 0, (ushort)(Indirect | AvailableBits(true)));
        AssertPopFails(queue, memory, VirtqueueErrorReason.NestedIndirect);
    }

    [Theory]
    [InlineData(0u, VirtqueueErrorReason.IndirectTableEmpty)]
    [InlineData(40u, VirtqueueErrorReason.IndirectTableLengthNotMultipleOf16)]
    [InlineData(16u * 1025, VirtqueueErrorReason.IndirectTableTooLarge)]
    public void BadIndirectTableLength(uint length, VirtqueueErrorReason reason)
    {
        var (memory, queue, driver) = Packed();
        driver.WriteDescriptor(0, IndirectTables, length, 0, (ushort)(Indirect | AvailableBits(true)));
        AssertPopFails(queue, memory, reason);
    }

    [Fact]
    public void IndirectTableCrossingTheHole()
    {
        var memory = WithHole(0x100000, 0x100000, 0x100000);
        var (_, queue, driver) = Packed(memory: memory);
        driver.WriteDescriptor(0, 0x100000 - 16, 32, 0, (ushort)(Indirect | AvailableBits(true)));
        AssertPopFails(queue, memory, VirtqueueErrorReason.IndirectTableOutsideRam);
    }

    [Fact]
    public void ReadableAfterWritable()
    {
        var (memory, queue, driver) = Packed();
        driver.AddChain(DriverBuffer.In(Data, 16), DriverBuffer.Out(Data + 0x100, 16));
        AssertPopFails(queue, memory, VirtqueueErrorReason.ReadableAfterWritable);
    }

    [Fact]
    public void BufferOutsideRam()
    {
        var (memory, queue, driver) = Packed();
        driver.AddChain(DriverBuffer.Out(Data, 16), DriverBuffer.In(RamSize - 8, 9));
        AssertPopFails(queue, memory, VirtqueueErrorReason.BufferOutsideRam);
    }

    [Fact]
    public void TotalLengthBeyond32BitsThroughAnIndirectTable()
    {
        var (memory, queue, driver) = Packed();
        driver.AddIndirect(IndirectTables, DriverBuffer.Out(Data, 2), DriverBuffer.In(Data, uint.MaxValue));
        AssertPopFails(queue, memory, VirtqueueErrorReason.TotalLengthOverflow);
    }

    [Fact]
    public void UsedDescriptorWriteFailure()
    {
        var (memory, queue, driver) = Packed();
        driver.AddChain(DriverBuffer.In(Data, 16));
        var chain = Pop(queue);
        memory.FailWritesIn = new GuestRegion(DescArea, 16);
        AssertQueueError(VirtqueueErrorReason.UsedRingWriteFailed, () => queue.AddUsed(chain, 16));
        Assert.False(driver.TryReadUsed(out _, out _));
        memory.FailWritesIn = null;
        AssertRecoversAfterReset(queue, memory, VirtqueueErrorReason.UsedRingWriteFailed);
    }

    [Fact]
    public void DeviceEventWriteFailure()
    {
        var (memory, queue, _) = Packed();
        memory.FailWritesIn = new GuestRegion(DeviceArea, 4);
        AssertQueueError(VirtqueueErrorReason.UsedRingWriteFailed, queue.DisableGuestNotifications);
        memory.FailWritesIn = null;
        AssertRecoversAfterReset(queue, memory, VirtqueueErrorReason.UsedRingWriteFailed);
    }
}
