using PSVmm.Engine.Devices.Block.Throttle;
using PSVmm.Tests.Devices.Block.Throttle;
using PSVmm.Tests.TestDoubles;
using PSVmm.Tests.Virtio.Queues;
using Xunit;
using T = PSVmm.Engine.Devices.Block.VirtioBlkRequestType;

namespace PSVmm.Tests.Devices.Block.Device;

/// <summary>
/// What each request kind costs: reads and writes their data; write-zeroes a write of the bytes it
/// zeroes; discard one write operation; flush one operation against the totals; GET_ID nothing.
/// </summary>
public sealed class BlockEngineThrottleCostTests
{
    private readonly ManualTimeProvider _time = new();

    private BlockRig Rig(ThrottleLimits limits) =>
        new(new MemoryBlockBackend(1 << 20), throttle: new BlockThrottle(limits, _time));

    [Fact]
    public void Write_zeroes_is_charged_the_bytes_it_zeroes_against_a_write_byte_limit()
    {
        using var rig = Rig(new ThrottleLimits { WriteBytesPerSecond = new ThrottleRate(4096) });
        rig.Run(rig.AddRanges(0, T.WriteZeroes, (0, 8, 0)));   // 4 KiB: the whole second's worth

        var write = rig.AddWrite(0, 16, new byte[512]);
        rig.Kick();
        rig.AssertNoUsed(0, waitMs: 150);
        Assert.Equal(1, rig.Engine.GetStatistics().ThrottledWaiting);

        _time.Advance(TimeSpan.FromMilliseconds(125));
        Assert.Equal(write.Id, rig.WaitUsed(0, 1)[0].Id);
    }

    [Fact]
    public void Write_zeroes_and_discard_are_write_operations()
    {
        using var rig = Rig(new ThrottleLimits { WriteIops = new ThrottleRate(1) });
        rig.Run(rig.AddRanges(0, T.WriteZeroes, (0, 8, 0)));

        var discard = rig.AddRanges(0, T.Discard, (8, 8, 0));
        rig.Kick();
        rig.AssertNoUsed(0, waitMs: 150);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(discard.Id, rig.WaitUsed(0, 1)[0].Id);

        var stats = rig.Engine.GetStatistics();
        Assert.Equal(1, stats.ThrottledTotal);
        Assert.Equal(TimeSpan.FromSeconds(1), stats.ThrottledTime);
    }

    [Fact]
    public void Reads_are_not_charged_to_write_limits_nor_flushes_to_direction_limits()
    {
        using var rig = Rig(new ThrottleLimits { WriteIops = new ThrottleRate(1), ReadIops = new ThrottleRate(1) });
        rig.Run(rig.AddWrite(0, 0, new byte[512]));
        rig.Run(rig.AddRead(0, 0, 512));
        rig.Run(rig.AddBare(0, (uint)T.Flush));
        rig.Run(rig.AddBare(0, (uint)T.Flush));

        Assert.Equal(0, rig.Engine.GetStatistics().ThrottledTotal);
    }

    [Fact]
    public void A_flush_is_one_operation_against_the_total_iops_and_GET_ID_is_never_held()
    {
        using var rig = Rig(new ThrottleLimits { TotalIops = new ThrottleRate(1), TotalBytesPerSecond = new ThrottleRate(1) });
        rig.Run(rig.AddBare(0, (uint)T.Flush));     // no bytes: the byte limit does not hold it

        // The IOPS are spent: GET_ID is still answered at once (the device answers it from memory).
        ulong header = rig.Header(T.GetId, 0);
        ulong id = rig.Allocate(20);
        ulong status = rig.Status();
        ushort getId = rig.Drivers[0].AddChain(DriverBuffer.Out(header, 16), DriverBuffer.In(id, 20), DriverBuffer.In(status, 1));
        rig.Kick();
        Assert.Equal(getId, rig.WaitUsed(0, 1)[0].Id);

        var flush = rig.AddBare(0, (uint)T.Flush);
        rig.Kick();
        rig.AssertNoUsed(0, waitMs: 150);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(flush.Id, rig.WaitUsed(0, 1)[0].Id);
        Assert.Equal(1, rig.Engine.GetStatistics().ThrottledTotal);
    }
}
