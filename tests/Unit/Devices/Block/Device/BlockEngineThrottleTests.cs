using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Devices.Block.Throttle;
using PSVmm.Tests.Devices.Block.Throttle;
using PSVmm.Tests.TestDoubles;
using Xunit;

namespace PSVmm.Tests.Devices.Block.Device;

/// <summary>Throttled requests wait for the (injected) clock and leave in arrival order.</summary>
public sealed class BlockEngineThrottleTests
{
    [Fact]
    public void Requests_over_the_iops_limit_wait_for_the_clock_and_complete_in_order()
    {
        var time = new ManualTimeProvider();
        var throttle = new BlockThrottle(new ThrottleLimits { TotalIops = Rates.Bucket(20, 1) }, time);
        var disk = new MemoryBlockBackend(1 << 20);
        using var rig = new BlockRig(disk, throttle: throttle);

        var requests = new[] { rig.AddRead(0, 0, 512), rig.AddRead(0, 1, 512), rig.AddWrite(0, 2, new byte[512]) };
        rig.Kick();
        Assert.Equal(requests[0].Id, rig.WaitUsed(0, 1)[0].Id);

        // The clock has not moved: the others stay throttled however long the real wait.
        rig.AssertNoUsed(0, waitMs: 250);
        var stats = rig.Engine.GetStatistics();
        Assert.Equal(2, stats.ThrottledTotal);
        Assert.Equal(2, stats.ThrottledWaiting);
        Assert.Equal(0xFF, rig.ReadStatus(requests[1].Status));

        // 50 ms of throttle time admit one more (20 iops), then the last one.
        time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(requests[1].Id, rig.WaitUsed(0, 1)[0].Id);
        rig.AssertNoUsed(0, waitMs: 150);
        time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(requests[2].Id, rig.WaitUsed(0, 1)[0].Id);
        Assert.All(requests, r => Assert.Equal(VirtioBlkStatus.Ok, rig.ReadStatus(r.Status)));
        Assert.Equal(0, rig.Engine.GetStatistics().ThrottledWaiting);
    }

    [Fact]
    public void A_bandwidth_limit_delays_large_writes_but_not_when_unlimited()
    {
        var time = new ManualTimeProvider();
        var throttle = new BlockThrottle(new ThrottleLimits { WriteBytesPerSecond = Rates.Bucket(4096, 4096) }, time);
        using var rig = new BlockRig(new MemoryBlockBackend(1 << 20), throttle: throttle);
        rig.Run(rig.AddWrite(0, 0, new byte[4096]));
        rig.Run(rig.AddRead(0, 0, 4096));           // reads are not limited
        var write = rig.AddWrite(0, 8, new byte[4096]);
        rig.Kick();
        rig.AssertNoUsed(0, waitMs: 150);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(write.Id, rig.WaitUsed(0, 1)[0].Id);
        Assert.Equal(1, rig.Engine.GetStatistics().ThrottledTotal);
    }
}
