using PSVmm.Engine.Memory;
using PSVmm.Engine.Virtio;
using PSVmm.Engine.Virtio.Queues;
using PSVmm.Tests.TestDoubles;
using Xunit;
using static PSVmm.Tests.Virtio.Queues.QueueFixtures;

namespace PSVmm.Tests.Virtio.Queues;

public class VirtqueueConfigurationTests
{
    private static void AssertEnableFails(VirtqueueErrorReason reason, ushort size, ulong desc, ulong driver, ulong device,
        ulong features = SplitFeatures, VirtqTestMemory? memory = null)
    {
        memory ??= VirtqTestMemory.Flat(RamSize);
        var queue = new Virtqueue(3, 256, memory);
        AssertQueueError(reason, () => queue.Enable(new RingGeometry(size, desc, driver, device), features));
        Assert.False(queue.Enabled);
        Assert.Equal(reason, queue.Snapshot().LastError);
        AssertRecoversAfterReset(queue, memory, reason);
    }

    [Fact]
    public void Enabling_with_a_geometry_programs_and_checks_it()
    {
        var memory = VirtqTestMemory.Flat(RamSize);
        var queue = new Virtqueue(3, 256, memory);
        AssertQueueError(VirtqueueErrorReason.QueueSizeNotPowerOfTwo,
            () => queue.Enable(new RingGeometry(6, DescArea, DriverArea, DeviceArea), SplitFeatures));
        Assert.False(queue.Enabled);
        queue.Reset();
        queue.Enable(new RingGeometry(8, DescArea, DriverArea, DeviceArea), SplitFeatures);
        var state = queue.Snapshot();
        Assert.Equal((8, DescArea, DriverArea, DeviceArea), (state.Geometry.Size, state.Geometry.DescriptorArea, state.Geometry.DriverArea, state.Geometry.DeviceArea));
        Assert.Throws<InvalidOperationException>(() => queue.Enable(new RingGeometry(8, DescArea, DriverArea, DeviceArea), SplitFeatures));
    }

    [Fact]
    public void SizeZero() =>
        AssertEnableFails(VirtqueueErrorReason.QueueSizeZero, 0, DescArea, DriverArea, DeviceArea);

    [Fact]
    public void SizeZeroPacked() =>
        AssertEnableFails(VirtqueueErrorReason.QueueSizeZero, 0, DescArea, DriverArea, DeviceArea, PackedFeatures);

    [Fact]
    public void SplitSizeNotPowerOfTwo() =>
        AssertEnableFails(VirtqueueErrorReason.QueueSizeNotPowerOfTwo, 6, DescArea, DriverArea, DeviceArea);

    [Fact]
    public void SizeAboveMaximum() =>
        AssertEnableFails(VirtqueueErrorReason.QueueSizeTooLarge, 512, DescArea, DriverArea, DeviceArea);

    [Fact]
    public void DescriptorAreaMisaligned() =>
        AssertEnableFails(VirtqueueErrorReason.DescriptorAreaMisaligned, 8, DescArea + 8, DriverArea, DeviceArea);

    [Fact]
    public void AvailRingMisaligned() =>
        AssertEnableFails(VirtqueueErrorReason.DriverAreaMisaligned, 8, DescArea, DriverArea + 1, DeviceArea);

    [Fact]
    public void UsedRingMisaligned() =>
        AssertEnableFails(VirtqueueErrorReason.DeviceAreaMisaligned, 8, DescArea, DriverArea, DeviceArea + 2);

    [Fact]
    public void PackedDriverAreaNeedsFourByteAlignment() =>
        AssertEnableFails(VirtqueueErrorReason.DriverAreaMisaligned, 8, DescArea, DriverArea + 2, DeviceArea, PackedFeatures);

    [Fact]
    public void PackedDeviceAreaNeedsFourByteAlignment() =>
        AssertEnableFails(VirtqueueErrorReason.DeviceAreaMisaligned, 8, DescArea, DriverArea, DeviceArea + 2, PackedFeatures);

    [Fact]
    public void DescriptorTablePastEndOfRam() =>
        AssertEnableFails(VirtqueueErrorReason.DescriptorAreaOutsideRam, 8, RamSize - 0x70, DriverArea, DeviceArea);

    [Fact]
    public void AvailRingPastEndOfRam() =>
        // 6 + 2 * 8 = 22 bytes; 20 are left.
        AssertEnableFails(VirtqueueErrorReason.DriverAreaOutsideRam, 8, DescArea, RamSize - 20, DeviceArea);

    [Fact]
    public void UsedRingPastEndOfRam() =>
        // 6 + 8 * 8 = 70 bytes; 68 are left.
        AssertEnableFails(VirtqueueErrorReason.DeviceAreaOutsideRam, 8, DescArea, DriverArea, RamSize - 68);

    [Fact]
    public void UsedRingCrossingTheHole()
    {
        var memory = WithHole(0x100000, 0x100000, 0x100000);
        AssertEnableFails(VirtqueueErrorReason.DeviceAreaOutsideRam, 8, DescArea, DriverArea, 0x100000 - 64, memory: memory);
    }

    [Fact]
    public void DescriptorTableInTheHole()
    {
        var memory = WithHole(0x100000, 0x100000, 0x100000);
        AssertEnableFails(VirtqueueErrorReason.DescriptorAreaOutsideRam, 8, 0x180000, DriverArea, DeviceArea, memory: memory);
    }

    [Fact]
    public void PackedEventAreaOutsideRam() =>
        AssertEnableFails(VirtqueueErrorReason.DeviceAreaOutsideRam, 8, DescArea, DriverArea, RamSize, PackedFeatures);

    [Fact]
    public void RingsEndingExactlyAtEndOfRamAreAccepted()
    {
        var memory = VirtqTestMemory.Flat(RamSize);
        var queue = new Virtqueue(0, 256, memory);
        // Avail ring (22 bytes) ends exactly at the end of RAM; so does the packed ring below.
        queue.Enable(new RingGeometry(8, RamSize - 0x200 - 128, RamSize - 22, RamSize - 0x100 - 72), SplitFeatures);
        Assert.True(queue.Enabled);

        var packed = new Virtqueue(1, 256, memory);
        packed.Enable(new RingGeometry(8, RamSize - 128, RamSize - 0x100, RamSize - 0x200), PackedFeatures);
        Assert.True(packed.Enabled);
    }

    [Fact]
    public void PackedSizeNeedNotBeAPowerOfTwo()
    {
        var (_, queue, driver) = Packed(size: 6);
        ushort id = driver.AddChain(DriverBuffer.Out(Data, 1));
        Assert.Equal(id, Pop(queue).Id);
        Assert.Equal(VirtqueueFormat.Packed, queue.Format);
    }

    [Fact]
    public void ConstructorRejectsUnusableMaximum()
    {
        var memory = VirtqTestMemory.Flat(RamSize);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Virtqueue(0, 0, memory));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Virtqueue(0, 40000, memory));
        Assert.Equal(32768, new Virtqueue(0, 32768, memory).Size);
    }

    [Fact]
    public void ConfigurationIsFixedWhileEnabled()
    {
        var (_, queue, _) = Split();
        Assert.Throws<InvalidOperationException>(() => queue.Enable(new RingGeometry(4, 0, 0, 0), SplitFeatures));
        Assert.Equal((ushort)8, queue.Size);
    }

    [Fact]
    public void DisabledQueueRefusesRingOperations()
    {
        var queue = new Virtqueue(0, 8, VirtqTestMemory.Flat(RamSize));
        Assert.Throws<InvalidOperationException>(() => queue.TryPop(out _));
        Assert.Throws<InvalidOperationException>(() => queue.NeedsNotification());
        Assert.Throws<InvalidOperationException>(() => queue.EnableGuestNotifications());
        Assert.Throws<InvalidOperationException>(() => queue.DisableGuestNotifications());
    }

    [Fact]
    public void DeviceMistakesAreNotGuestErrors()
    {
        var (_, queue, driver) = Split();
        driver.AddChain(DriverBuffer.Out(Data, 4), DriverBuffer.In(Data + 0x100, 8));
        var chain = Pop(queue);
        Assert.Throws<ArgumentOutOfRangeException>(() => queue.AddUsed(chain, 9));
        Assert.True(queue.AddUsed(chain, 8));
        Assert.Throws<InvalidOperationException>(() => queue.AddUsed(chain, 8));

        var other = new Virtqueue(1, 8, new VirtqTestMemory(new GuestRegion(0, RamSize)));
        Assert.Throws<InvalidOperationException>(() => other.AddUsed(chain, 0));
        Assert.Null(queue.Snapshot().LastError);
        Assert.Equal(1, driver.UsedIdx);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CompletionOfAChainPoppedBeforeResetIsDropped(bool packed)
    {
        var memory = VirtqTestMemory.Flat(RamSize);
        var queue = new Virtqueue(0, 8, memory);
        var geometry = new RingGeometry(8, DescArea, DriverArea, DeviceArea);
        var features = packed ? PackedFeatures : SplitFeatures;
        SplitRingDriver? split = packed ? null : new SplitRingDriver(memory, 8, DescArea, DriverArea, DeviceArea);
        PackedRingDriver? packedDriver = packed ? new PackedRingDriver(memory, 8, DescArea, DriverArea, DeviceArea) : null;
        queue.Enable(geometry, features);
        split?.AddChain(DriverBuffer.In(Data, 8));
        packedDriver?.AddChain(DriverBuffer.In(Data, 8));
        var stale = Pop(queue);

        // Device reset while the I/O is in flight; the driver sets the queue up again.
        queue.Reset();
        var ringBytes = new byte[0x4000];
        memory.Read(DescArea, ringBytes);
        queue.Enable(geometry, features);

        Assert.False(queue.AddUsed(stale, 8));
        var after = new byte[0x4000];
        memory.Read(DescArea, after);
        Assert.Equal(ringBytes, after);
        Assert.Equal(0ul, queue.Snapshot().Completed);

        // Also dropped while the queue is still disabled.
        queue.Reset();
        Assert.False(queue.AddUsed(stale, 8));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ResetRestoresTheInitialState(bool packed)
    {
        var memory = VirtqTestMemory.Flat(RamSize);
        var fresh = new Virtqueue(5, 64, memory).Snapshot();
        var queue = new Virtqueue(5, 64, memory);
        var geometry = new RingGeometry(16, DescArea, DriverArea, DeviceArea);
        if (packed)
        {
            var driver = new PackedRingDriver(memory, 16, DescArea, DriverArea, DeviceArea);
            queue.Enable(geometry, PackedFeatures | VirtioFeatures.EventIdx);
            driver.AddChain(DriverBuffer.Out(Data, 4));
        }
        else
        {
            var driver = new SplitRingDriver(memory, 16, DescArea, DriverArea, DeviceArea);
            queue.Enable(geometry, SplitFeatures | VirtioFeatures.EventIdx);
            driver.AddChain(DriverBuffer.Out(Data, 4));
        }

        queue.AddUsed(Pop(queue), 0);
        queue.NeedsNotification();
        queue.RecordDriverNotification();
        queue.DisableGuestNotifications();
        Assert.NotEqual(fresh, queue.Snapshot());

        queue.Reset();

        Assert.Equal(fresh, queue.Snapshot());
        Assert.Equal((ushort)64, queue.Size);
        Assert.Equal(0ul, queue.Features);
        Assert.False(queue.Enabled);
    }

    [Fact]
    public void AreaAddressesFollowEnableAndReset()
    {
        var (_, queue, _) = Split();
        Assert.Equal((DescArea, DriverArea, DeviceArea),
            (queue.DescriptorAreaAddress, queue.DriverAreaAddress, queue.DeviceAreaAddress));

        queue.Reset();
        Assert.Equal((0ul, 0ul, 0ul), (queue.DescriptorAreaAddress, queue.DriverAreaAddress, queue.DeviceAreaAddress));
    }

    [Fact]
    public void DisabledQueueSnapshotStartsAtZeroWithWrapCountersSet()
    {
        // §2.8.1: both wrap counters start at 1; a disabled queue reports the state a new ring starts in.
        var s = new Virtqueue(0, 8, VirtqTestMemory.Flat(RamSize)).Snapshot();
        Assert.Equal((0, true, 0, true, 0), ((int)s.NextAvail, s.AvailWrapCounter, (int)s.UsedIdx, s.UsedWrapCounter, (int)s.LastAvailIdx));
    }

    [Fact]
    public void ReEnableAfterResetStartsAtIndexZero()
    {
        var (memory, queue, driver) = Split();
        for (int i = 0; i < 5; i++)
        {
            driver.AddChain(DriverBuffer.Out(Data, 1));
            queue.AddUsed(Pop(queue), 0);
        }

        queue.Reset();
        var fresh = new SplitRingDriver(memory, 8, DescArea, DriverArea, DeviceArea);
        queue.Enable(new RingGeometry(8, DescArea, DriverArea, DeviceArea), SplitFeatures);
        ushort head = fresh.AddChain(DriverBuffer.Out(Data + 0x40, 1));
        var chain = Pop(queue);
        Assert.Equal(head, chain.Id);
        queue.AddUsed(chain, 0);
        Assert.Equal(1, fresh.UsedIdx);
    }
}
