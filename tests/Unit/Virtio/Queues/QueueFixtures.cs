using PSVmm.Engine.Memory;
using PSVmm.Engine.Virtio;
using PSVmm.Engine.Virtio.Queues;
using PSVmm.Tests.TestDoubles;
using Xunit;

namespace PSVmm.Tests.Virtio.Queues;

/// <summary>Guest memory layout and ready-made queue + driver pairs used by the queue tests.</summary>
internal static class QueueFixtures
{
    public const ulong RamSize = 0x100000;
    public const ulong DescArea = 0x1000;
    public const ulong DriverArea = 0x3000;
    public const ulong DeviceArea = 0x4000;
    public const ulong IndirectTables = 0x8000;
    public const ulong Data = 0x10000;

    public const ulong SplitFeatures = VirtioFeatures.Version1 | VirtioFeatures.IndirectDesc;
    public const ulong PackedFeatures = SplitFeatures | VirtioFeatures.RingPacked;

    public static (VirtqTestMemory Memory, Virtqueue Queue, SplitRingDriver Driver) Split(
        ushort size = 8, ulong features = SplitFeatures, VirtqTestMemory? memory = null, ushort maxSize = 256,
        int maxIndirect = Virtqueue.DefaultMaxIndirectEntries)
    {
        memory ??= VirtqTestMemory.Flat(RamSize);
        var driver = new SplitRingDriver(memory, size, DescArea, DriverArea, DeviceArea);
        var queue = new Virtqueue(0, maxSize, memory, maxIndirect);
        queue.Enable(new RingGeometry(size, DescArea, DriverArea, DeviceArea), features);
        return (memory, queue, driver);
    }

    public static (VirtqTestMemory Memory, Virtqueue Queue, PackedRingDriver Driver) Packed(
        ushort size = 8, ulong features = PackedFeatures, VirtqTestMemory? memory = null, ushort maxSize = 256,
        int maxIndirect = Virtqueue.DefaultMaxIndirectEntries)
    {
        memory ??= VirtqTestMemory.Flat(RamSize);
        var driver = new PackedRingDriver(memory, size, DescArea, DriverArea, DeviceArea);
        var queue = new Virtqueue(0, maxSize, memory, maxIndirect);
        queue.Enable(new RingGeometry(size, DescArea, DriverArea, DeviceArea), features);
        return (memory, queue, driver);
    }

    /// <summary>Two RAM regions with a hole of <paramref name="hole"/> bytes between them.</summary>
    public static VirtqTestMemory WithHole(ulong lowSize, ulong hole, ulong highSize) =>
        new(new GuestRegion(0, lowSize), new GuestRegion(lowSize + hole, highSize));

    public static VirtqueueException AssertQueueError(VirtqueueErrorReason reason, Action action)
    {
        var e = Assert.Throws<VirtqueueException>(action);
        Assert.Equal(reason, e.Reason);
        return e;
    }

    public static DescriptorChain Pop(IVirtqueue queue)
    {
        Assert.True(queue.TryPop(out var chain), "expected an available buffer");
        return chain;
    }

    /// <summary>
    /// After a guest error: the same call fails the same way (nothing was consumed), the
    /// snapshot records the reason, and after Reset the queue works again with a sound split ring.
    /// </summary>
    public static void AssertRecoversAfterReset(Virtqueue queue, VirtqTestMemory memory, VirtqueueErrorReason reason,
        ulong features = SplitFeatures)
    {
        Assert.Equal(reason, queue.Snapshot().LastError);
        queue.Reset();
        Assert.False(queue.Enabled);
        Assert.Null(queue.Snapshot().LastError);

        var driver = new SplitRingDriver(memory, 8, DescArea, DriverArea, DeviceArea);
        queue.Enable(new RingGeometry(8, DescArea, DriverArea, DeviceArea), features & ~VirtioFeatures.RingPacked);
        ushort head = driver.AddChain(DriverBuffer.Out(Data, 16), DriverBuffer.In(Data + 0x100, 32));
        var chain = Pop(queue);
        Assert.Equal(head, chain.Id);
        queue.AddUsed(chain, 32);
        Assert.True(driver.TryReadUsed(out var used));
        Assert.Equal(new UsedEntry(head, 32), used);
    }
}
