using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.IoThreads;
using PSVmm.Engine.Virtio.Queues;
using PSVmm.Tests.TestDoubles;
using PSVmm.Tests.Virtio.Queues;
using Xunit;
using T = PSVmm.Engine.Devices.Block.VirtioBlkRequestType;

namespace PSVmm.Tests.Devices.Block.Device;

/// <summary>Malformed guest data breaks the device (reported once, nothing thrown), never the IoThread; reset recovers.</summary>
public sealed class BlockEngineFaultTests
{
    private static void AssertBrokenButIoThreadAlive(BlockRig rig)
    {
        var deadline = Environment.TickCount64 + 5000;
        while (rig.FatalErrors.IsEmpty && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(1);
        }

        rig.Settle();
        Assert.Single(rig.FatalErrors);
        Assert.True(rig.Engine.IsBroken);
        Assert.Empty(rig.HandlerErrors);
        Assert.Equal(1, rig.Engine.GetStatistics().DeviceErrors);

        // Further kicks are ignored: a well-formed request is not served until reset.
        var read = rig.AddRead(0, 0, 512);
        rig.Kick();
        rig.AssertNoUsed(0);
        Assert.Equal(0xFF, rig.ReadStatus(read.Status));
        Assert.Single(rig.FatalErrors);
    }

    private static void AssertRecoversAfterReset(BlockRig rig)
    {
        rig.Engine.Stop();
        Assert.False(rig.Engine.IsBroken);
        rig.Start();
        var read = rig.AddRead(0, 1, 512);
        Assert.Equal(513u, rig.Run(read));
        Assert.Equal(VirtioBlkStatus.Ok, rig.ReadStatus(read.Status));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_header_shorter_than_16_bytes_breaks_the_device(bool packed)
    {
        using var rig = new BlockRig(new MemoryBlockBackend(1 << 20), packed: packed);
        ulong header = rig.Header(T.In, 0);
        ulong status = rig.Status();
        rig.Drivers[0].AddChain(DriverBuffer.Out(header, 15), DriverBuffer.In(status, 1));
        rig.Kick();
        AssertBrokenButIoThreadAlive(rig);
        Assert.Contains("header", rig.FatalErrors.Single());
        AssertRecoversAfterReset(rig);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_request_without_a_writable_status_byte_breaks_the_device(bool packed)
    {
        using var rig = new BlockRig(new MemoryBlockBackend(1 << 20), packed: packed);
        ulong header = rig.Header(T.Flush, 0);
        rig.Drivers[0].AddChain(DriverBuffer.Out(header, 16));
        rig.Kick();
        AssertBrokenButIoThreadAlive(rig);
        Assert.Contains("status", rig.FatalErrors.Single());
        AssertRecoversAfterReset(rig);
    }

    [Fact]
    public void A_buffer_outside_guest_RAM_breaks_the_device()
    {
        using var rig = new BlockRig(new MemoryBlockBackend(1 << 20));
        ulong header = rig.Header(T.In, 0);
        ulong status = rig.Status();
        rig.Drivers[0].AddChain(DriverBuffer.Out(header, 16), DriverBuffer.In(BlockRig.RamSize - 256, 512), DriverBuffer.In(status, 1));
        rig.Kick();
        AssertBrokenButIoThreadAlive(rig);
        Assert.Equal(VirtqueueErrorReason.BufferOutsideRam, rig.Queues[0].Snapshot().LastError);
        AssertRecoversAfterReset(rig);
    }

    [Fact]
    public void An_avail_index_running_ahead_breaks_the_device()
    {
        using var rig = new BlockRig(new MemoryBlockBackend(1 << 20));
        ((SplitDriverAdapter)rig.Drivers[0]).Driver.SetAvailIdx((ushort)(rig.QueueSize + 5));
        rig.Kick();
        AssertBrokenButIoThreadAlive(rig);
        Assert.Equal(VirtqueueErrorReason.AvailIndexTooFarAhead, rig.Queues[0].Snapshot().LastError);
        AssertRecoversAfterReset(rig);
    }

    [Fact]
    public void A_status_byte_the_device_cannot_write_at_completion_breaks_the_device_not_the_thread()
    {
        var faults = new FaultInjectingBlockBackend(new MemoryBlockBackend(1 << 20));
        using var rig = new BlockRig(faults);
        faults.DelayWhen(r => r.Kind == BlockIoKind.Read, times: 1);
        var read = rig.AddRead(0, 0, 512);
        rig.Kick();
        rig.Settle();
        rig.Memory.FailWritesIn = new PSVmm.Engine.Memory.GuestRegion(read.Status, 1);
        faults.ReleaseDelayed();
        AssertBrokenButIoThreadAlive(rig);
        rig.Memory.FailWritesIn = null;
        AssertRecoversAfterReset(rig);
    }

    [Fact]
    public void A_broken_device_does_not_stop_another_device_on_the_same_IoThread()
    {
        using var ioThread = new IoThread("shared-faults");
        using var good = new BlockRig(new MemoryBlockBackend(1 << 20), ioThread: ioThread);
        using var bad = new BlockRig(new MemoryBlockBackend(1 << 20), ioThread: ioThread);
        ulong header = bad.Header(T.In, 0);
        bad.Drivers[0].AddChain(DriverBuffer.Out(header, 4), DriverBuffer.In(bad.Status(), 1));
        bad.Kick();
        var read = good.AddRead(0, 0, 512);
        Assert.Equal(513u, good.Run(read));
        Assert.Single(bad.FatalErrors);
        Assert.True(bad.Engine.IsBroken);
        Assert.False(good.Engine.IsBroken);
    }

    [Fact]
    public void Requests_to_a_closed_image_fail_with_IOERR_and_reset_does_not_hang()
    {
        var disk = new MemoryBlockBackend(1 << 20);
        using var rig = new BlockRig(new ClosedAfterOpen(disk), ownsBackend: false);
        var read = rig.AddRead(0, 0, 512);
        Assert.Equal(1u, rig.Run(read));
        Assert.Equal(VirtioBlkStatus.IoError, rig.ReadStatus(read.Status));
        Assert.Equal(0, rig.Engine.GetStatistics().InFlight);
        rig.Engine.Stop(TimeSpan.FromSeconds(1));
        Assert.Null(rig.Engine.GetStatistics().LastDeviceError);
        disk.Dispose();
    }

    /// <summary>A backend whose Submit calls fail as after Dispose (its eventfd stays usable).</summary>
    private sealed class ClosedAfterOpen(MemoryBlockBackend inner) : IBlockBackend
    {
        public long Size => inner.Size;
        public bool ReadOnly => false;
        public int LogicalBlockSize => 512;
        public bool Direct => false;
        public BlockCacheMode CacheMode => BlockCacheMode.Writeback;
        public bool SupportsDiscard => true;
        public bool SupportsWriteZeroes => true;
        public int CompletionEventFd => inner.CompletionEventFd;
        public void Submit(BlockIoRequest request) => throw new ObjectDisposedException("image");
        public int DrainCompletions(Action<BlockCompletion> onCompletion) => inner.DrainCompletions(onCompletion);
        public BlockBackendStatistics GetStatistics() => inner.GetStatistics();
        public void Dispose() { }
    }
}
