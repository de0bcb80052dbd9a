using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Native;
using PSVmm.Engine.Virtio;
using PSVmm.Tests.TestDoubles;
using Xunit;
using T = PSVmm.Engine.Devices.Block.VirtioBlkRequestType;

namespace PSVmm.Tests.Devices.Block.Device;

/// <summary>Completion, errors, notifications, writethrough and statistics of the request engine over in-memory backends.</summary>
public sealed class BlockEngineBehaviourTests
{
    private const int DiskSize = 1 << 20;

    private static MemoryBlockBackend Disk() => MemoryBlockBackend.Patterned(DiskSize);

    [Fact]
    public void Backend_errors_become_IOERR_and_the_device_keeps_working()
    {
        var faults = new FaultInjectingBlockBackend(Disk());
        using var rig = new BlockRig(faults);
        faults.FailNext(BlockIoKind.Read, Errno.EIO).FailNext(BlockIoKind.Write, Errno.ENOSPC).FailNext(BlockIoKind.Flush, Errno.EIO);

        var read = rig.AddRead(0, 0, 512);
        Assert.Equal(1u, rig.Run(read));
        Assert.Equal(VirtioBlkStatus.IoError, rig.ReadStatus(read.Status));
        var write = rig.AddWrite(0, 0, new byte[512]);
        rig.Run(write);
        Assert.Equal(VirtioBlkStatus.IoError, rig.ReadStatus(write.Status));
        var flush = rig.AddBare(0, (uint)T.Flush);
        rig.Run(flush);
        Assert.Equal(VirtioBlkStatus.IoError, rig.ReadStatus(flush.Status));

        var again = rig.AddRead(0, 0, 512);
        Assert.Equal(513u, rig.Run(again));
        Assert.Equal(VirtioBlkStatus.Ok, rig.ReadStatus(again.Status));
        Assert.False(rig.Engine.IsBroken);
        Assert.Empty(rig.FatalErrors);
        var stats = rig.Engine.GetStatistics();
        Assert.Equal(new BlockKindStatistics(2, 512, 1), stats.Read);
        Assert.Equal(1, stats.Write.Errors);
        Assert.Equal(1, stats.Flush.Errors);
    }

    [Fact]
    public void A_discard_with_one_failing_range_fails_as_a_whole()
    {
        var faults = new FaultInjectingBlockBackend(Disk());
        using var rig = new BlockRig(faults);
        faults.FailWhen(r => r.Kind == BlockIoKind.Discard && r.Offset == 8 * 512, Errno.EIO);
        var discard = rig.AddRanges(0, T.Discard, (0, 8, 0), (8, 8, 0), (16, 8, 0));
        rig.Run(discard);
        Assert.Equal(VirtioBlkStatus.IoError, rig.ReadStatus(discard.Status));
        Assert.Equal(3, faults.Submitted.Count(r => r.Kind == BlockIoKind.Discard));
    }

    [Fact]
    public void Flush_reaches_the_backend()
    {
        var disk = Disk();
        using var rig = new BlockRig(disk);
        var flush = rig.AddBare(0, (uint)T.Flush);
        Assert.Equal(1u, rig.Run(flush));
        Assert.Equal(VirtioBlkStatus.Ok, rig.ReadStatus(flush.Status));
        Assert.Equal(1, disk.Flushes);
    }

    [Fact]
    public void Writethrough_flushes_each_write_before_completing_it()
    {
        var disk = Disk();
        using var rig = new BlockRig(disk);
        Assert.True(rig.Config.Writeback);
        rig.Run(rig.AddWrite(0, 1, new byte[512]));
        Assert.Equal(0, disk.Flushes);

        // The driver turns the write cache off through the config space (CONFIG_WCE negotiated).
        Assert.True(rig.Config.Write(VirtioBlkConfig.WritebackOffset, [0], configWceNegotiated: true));
        var write = rig.AddWrite(0, 2, Enumerable.Repeat((byte)0x42, 512).ToArray());
        rig.Run(write);
        Assert.Equal(VirtioBlkStatus.Ok, rig.ReadStatus(write.Status));
        Assert.Equal(1, disk.Flushes);
        Assert.All(disk.Data.Slice(1024, 512).ToArray(), b => Assert.Equal(0x42, b));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(VirtioBlkFeatures.ConfigWce)]
    public void Without_flush_negotiated_writes_are_writethrough(ulong configWce)
    {
        var disk = Disk();
        using var rig = new BlockRig(disk, features: VirtioFeatures.Version1 | VirtioBlkFeatures.BlkSize | configWce);
        rig.Run(rig.AddWrite(0, 1, new byte[512]));
        Assert.Equal(1, disk.Flushes);
        // §5.2.5: CONFIG_WCE without FLUSH: writeback reads 0.
        Assert.Equal(configWce == 0, rig.Config.Writeback);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_queue_is_signalled_unless_the_driver_suppressed_interrupts(bool packed)
    {
        using var rig = new BlockRig(Disk(), packed: packed);
        rig.Run(rig.AddRead(0, 0, 512));
        Assert.Equal([0], rig.Signals);

        rig.Drivers[0].SuppressInterrupts();
        rig.Run(rig.AddRead(0, 0, 512));
        rig.Settle();
        Assert.Single(rig.Signals);
    }

    [Fact]
    public void Many_requests_made_available_by_one_kick_go_to_the_backend_as_one_batch()
    {
        var disk = Disk();
        var recorder = new BatchRecordingBackend(disk);
        using var rig = new BlockRig(recorder);
        var reads = Enumerable.Range(0, 20).Select(i => rig.AddRead(0, (ulong)i * 8, 4096)).ToList();
        rig.Kick();
        var used = rig.WaitUsed(0, 20);
        Assert.Equal(reads.Select(r => r.Id).Order(), used.Select(u => (ushort)u.Id).Order());
        for (int i = 0; i < reads.Count; i++)
        {
            Assert.Equal(VirtioBlkStatus.Ok, rig.ReadStatus(reads[i].Status));
            Assert.Equal(disk.Data.Slice(i * 4096, 4096).ToArray(), rig.Read(reads[i].Data, 4096));
        }

        Assert.Equal([20], recorder.Batches);
        Assert.True(rig.Signals.Count < 20, $"{rig.Signals.Count} interrupts for 20 requests served together");
    }

    [Fact]
    public void Requests_completing_out_of_order_are_returned_by_id()
    {
        var faults = new FaultInjectingBlockBackend(Disk());
        using var rig = new BlockRig(faults);
        faults.DelayWhen(r => r.Kind == BlockIoKind.Read, times: 3);
        var reads = Enumerable.Range(0, 3).Select(i => rig.AddRead(0, (ulong)i, 512)).ToList();
        rig.Kick();
        rig.AssertNoUsed(0);
        Assert.Equal(3, rig.Engine.GetStatistics().InFlight);
        faults.ReleaseDelayed(reverse: true);
        var used = rig.WaitUsed(0, 3);
        Assert.Equal(reads.Select(r => r.Id).Reverse(), used.Select(u => (ushort)u.Id));
        Assert.Equal(0, rig.Engine.GetStatistics().InFlight);
    }

    [Fact]
    public void Statistics_count_requests_bytes_and_errors_per_type()
    {
        using var rig = new BlockRig(Disk());
        rig.Run(rig.AddRead(0, 0, 4096));
        rig.Run(rig.AddWrite(0, 0, new byte[1024]));
        rig.Run(rig.AddBare(0, (uint)T.Flush));
        rig.Run(rig.AddRanges(0, T.Discard, (0, 8, 0)));
        rig.Run(rig.AddRanges(0, T.WriteZeroes, (8, 16, 1)));
        rig.Run(rig.AddRead(0, DiskSize / 512, 512));
        rig.Run(rig.AddBare(0, 77));
        var s = rig.Engine.GetStatistics();
        Assert.Equal(new BlockKindStatistics(2, 4096, 1), s.Read);
        Assert.Equal(new BlockKindStatistics(1, 1024, 0), s.Write);
        Assert.Equal(new BlockKindStatistics(1, 0, 0), s.Flush);
        Assert.Equal(new BlockKindStatistics(1, 4096, 0), s.Discard);
        Assert.Equal(new BlockKindStatistics(1, 8192, 0), s.WriteZeroes);
        Assert.Equal(new BlockKindStatistics(1, 0, 1), s.Unsupported);
        Assert.Equal(7, s.TotalRequests);
        Assert.Equal(0, s.InFlight);
        Assert.Equal("disk0", s.Id);
    }

    [Fact]
    public void Discard_not_negotiated_is_unsupported_even_when_offered()
    {
        using var rig = new BlockRig(Disk(), features: VirtioFeatures.Version1 | VirtioBlkFeatures.Flush);
        var discard = rig.AddRanges(0, T.Discard, (0, 8, 0));
        var zeroes = rig.AddRanges(0, T.WriteZeroes, (0, 8, 0));
        rig.Kick();
        rig.WaitUsed(0, 2);
        Assert.Equal(VirtioBlkStatus.Unsupported, rig.ReadStatus(discard.Status));
        Assert.Equal(VirtioBlkStatus.Unsupported, rig.ReadStatus(zeroes.Status));
    }

    [Fact]
    public void A_notification_delivered_on_the_IoThread_itself_is_served_inline()
    {
        using var rig = new BlockRig(Disk());
        var read = rig.AddRead(0, 3, 512);
        rig.IoThread.Post(() => rig.Engine.Notify(0));
        Assert.Equal(read.Id, rig.WaitUsed(0, 1)[0].Id);
        Assert.Equal(VirtioBlkStatus.Ok, rig.ReadStatus(read.Status));
    }

    [Fact]
    public void With_EVENT_IDX_the_driver_decides_through_used_event_when_it_is_interrupted()
    {
        using var rig = new BlockRig(Disk(), features: VirtioFeatures.Version1 | VirtioFeatures.EventIdx | VirtioBlkFeatures.Flush);
        var split = ((SplitDriverAdapter)rig.Drivers[0]).Driver;
        // used_event = 2: the driver wants an interrupt only once the third buffer is used.
        split.SetUsedEvent(2);
        rig.Run(rig.AddRead(0, 0, 512));
        rig.Run(rig.AddRead(0, 1, 512));
        rig.Settle();
        Assert.Empty(rig.Signals);
        rig.Run(rig.AddRead(0, 2, 512));
        rig.Settle();
        Assert.Equal([0], rig.Signals);
    }
}
