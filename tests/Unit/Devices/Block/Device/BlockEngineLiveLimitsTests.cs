using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Devices.Block.Throttle;
using PSVmm.Tests.Devices.Block.Throttle;
using PSVmm.Tests.TestDoubles;
using Xunit;

namespace PSVmm.Tests.Devices.Block.Device;

/// <summary>
/// Limits changed on a running engine (Set-VirtioBlkPci on a running VM): applied on the IoThread,
/// waiting requests keep their order and none is lost, from unlimited to limited and back.
/// </summary>
public sealed class BlockEngineLiveLimitsTests
{
    private readonly ManualTimeProvider _time = new();

    [Fact]
    public void Unlimited_to_limited_to_unlimited_keeps_every_waiting_request_in_order()
    {
        using var rig = new BlockRig(new MemoryBlockBackend(1 << 20), throttle: new BlockThrottle(ThrottleLimits.None, _time));
        rig.Run(rig.AddRead(0, 0, 512));
        Assert.Equal(0, rig.Engine.GetStatistics().ThrottledTotal);

        rig.Engine.UpdateThrottleLimits(new ThrottleLimits { TotalIops = new ThrottleRate(1) });
        Assert.Equal(new ThrottleRate(1), rig.Engine.GetStatistics().Limits.TotalIops);
        var requests = Enumerable.Range(0, 6)
            .Select(i => i % 2 == 0 ? rig.AddRead(0, (ulong)i, 512) : rig.AddWrite(0, (ulong)i, new byte[512]))
            .ToList();
        rig.Kick();
        Assert.Equal(requests[0].Id, rig.WaitUsed(0, 1)[0].Id);
        rig.AssertNoUsed(0, waitMs: 100);
        Assert.Equal(5, rig.Engine.GetStatistics().ThrottledWaiting);

        _time.Advance(TimeSpan.FromMilliseconds(400));
        rig.Engine.UpdateThrottleLimits(ThrottleLimits.None);

        var used = rig.WaitUsed(0, 5);
        Assert.Equal(requests.Skip(1).Select(r => (uint)r.Id), used.Select(u => (uint)u.Id));
        Assert.All(requests, r => Assert.Equal(VirtioBlkStatus.Ok, rig.ReadStatus(r.Status)));
        var stats = rig.Engine.GetStatistics();
        Assert.Equal(5, stats.ThrottledTotal);
        Assert.Equal(0, stats.ThrottledWaiting);
        Assert.Equal(TimeSpan.FromMilliseconds(5 * 400), stats.ThrottledTime);
        Assert.True(stats.Limits.IsUnlimited);

        // Unlimited again: nothing waits.
        rig.Run(rig.AddRead(0, 9, 512));
        Assert.Equal(5, rig.Engine.GetStatistics().ThrottledTotal);
    }

    [Fact]
    public void Raising_a_limit_releases_waiting_requests_at_once_and_lowering_it_holds_later_ones()
    {
        using var rig = new BlockRig(new MemoryBlockBackend(1 << 20),
            throttle: new BlockThrottle(new ThrottleLimits { WriteIops = new ThrottleRate(1) }, _time));
        var requests = Enumerable.Range(0, 4).Select(i => rig.AddWrite(0, (ulong)i, new byte[512])).ToList();
        rig.Kick();
        rig.WaitUsed(0, 1);
        rig.AssertNoUsed(0, waitMs: 100);

        // Saved tokens are kept across an update (none here); 3 ms at the new 1000/s admit the three waiting writes.
        rig.Engine.UpdateThrottleLimits(new ThrottleLimits { WriteIops = new ThrottleRate(1000) });
        rig.AssertNoUsed(0, waitMs: 50);
        _time.Advance(TimeSpan.FromMilliseconds(3));
        Assert.Equal(requests.Skip(1).Select(r => (uint)r.Id), rig.WaitUsed(0, 3).Select(u => (uint)u.Id));

        rig.Engine.UpdateThrottleLimits(new ThrottleLimits { WriteIops = new ThrottleRate(1) });
        var held = rig.AddWrite(0, 8, new byte[512]);
        rig.Kick();
        rig.AssertNoUsed(0, waitMs: 100);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(held.Id, rig.WaitUsed(0, 1)[0].Id);
    }

    [Fact]
    public void Limits_set_while_the_driver_is_stopped_apply_when_it_starts()
    {
        using var rig = new BlockRig(new MemoryBlockBackend(1 << 20), throttle: new BlockThrottle(ThrottleLimits.None, _time), start: false);
        rig.Engine.UpdateThrottleLimits(new ThrottleLimits { ReadIops = new ThrottleRate(1) });
        rig.Start();

        rig.Run(rig.AddRead(0, 0, 512));
        rig.AddRead(0, 1, 512);
        rig.Kick();
        rig.AssertNoUsed(0, waitMs: 100);
        Assert.Equal(1, rig.Engine.GetStatistics().ThrottledWaiting);
    }
}
