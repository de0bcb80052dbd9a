using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Throttle;
using PSVmm.Tests.Devices.Block.Throttle;
using PSVmm.Tests.TestDoubles;
using Xunit;

namespace PSVmm.Tests.Devices.Block.Device;

/// <summary>Reset with requests in the backend or waiting for the throttle: nothing reaches the guest afterwards.</summary>
public sealed class BlockEngineResetTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reset_waits_for_requests_in_the_backend_and_writes_no_used_entries_for_them(bool packed)
    {
        var faults = new FaultInjectingBlockBackend(new MemoryBlockBackend(1 << 20));
        using var rig = new BlockRig(faults, packed: packed);
        faults.DelayWhen(r => r.Kind == BlockIoKind.Read, times: 3);
        var reads = Enumerable.Range(0, 3).Select(i => rig.AddRead(0, (ulong)i, 512)).ToList();
        rig.Kick();
        rig.Settle();
        Assert.Equal(3, rig.Engine.GetStatistics().InFlight);

        var reset = new BackgroundCall(() => rig.Engine.Stop());
        SpinWait.SpinUntil(() => !rig.Engine.IsRunning, 5000);
        Assert.False(reset.Wait(200), "reset returned while the backend still held guest buffers");
        faults.ReleaseDelayed();
        Assert.True(reset.Wait(5000));

        Assert.False(rig.Drivers[0].TryReadUsed(out _));
        Assert.All(reads, r => Assert.Equal(0xFF, rig.ReadStatus(r.Status)));
        Assert.Equal(0, rig.Engine.GetStatistics().InFlight);
        Assert.Empty(rig.FatalErrors);
        Assert.Empty(rig.HandlerErrors);

        // Kicks after the reset are ignored; a new activation works.
        rig.Kick();
        rig.Settle();
        rig.Start();
        var read = rig.AddRead(0, 0, 512);
        Assert.Equal(513u, rig.Run(read));
    }

    [Fact]
    public void Completions_after_a_timed_out_reset_are_dropped_not_written_into_the_new_rings()
    {
        var faults = new FaultInjectingBlockBackend(new MemoryBlockBackend(1 << 20));
        using var rig = new BlockRig(faults);
        faults.DelayWhen(r => r.Kind == BlockIoKind.Write, times: 1);
        var stale = rig.AddWrite(0, 0, new byte[512]);
        rig.Kick();
        rig.Settle();

        rig.Engine.Stop(TimeSpan.FromMilliseconds(100));
        Assert.Contains("still in the backend", rig.Engine.GetStatistics().LastDeviceError);
        rig.Start();
        faults.ReleaseDelayed();
        rig.AssertNoUsed(0);
        Assert.Equal(0xFF, rig.ReadStatus(stale.Status));

        var read = rig.AddRead(0, 0, 512);
        Assert.Equal(513u, rig.Run(read));
        Assert.Equal(0, rig.Engine.GetStatistics().InFlight);
    }

    [Fact]
    public void Reset_drops_requests_waiting_for_the_throttle_without_submitting_them()
    {
        var time = new ManualTimeProvider();
        var throttle = new BlockThrottle(new ThrottleLimits { TotalIops = Rates.Bucket(1, 1) }, time);
        var faults = new FaultInjectingBlockBackend(new MemoryBlockBackend(1 << 20));
        using var rig = new BlockRig(faults, throttle: throttle);
        var first = rig.AddRead(0, 0, 512);
        var waiting = rig.AddRead(0, 1, 512);
        rig.Kick();
        rig.WaitUsed(0, 1);
        Assert.Equal(1, rig.Engine.GetStatistics().ThrottledWaiting);

        rig.Engine.Stop();
        Assert.Equal(0, rig.Engine.GetStatistics().ThrottledWaiting);
        time.Advance(TimeSpan.FromSeconds(10));
        Thread.Sleep(50);
        Assert.Single(faults.Submitted);
        Assert.Equal(0xFF, rig.ReadStatus(waiting.Status));
        Assert.Equal(VirtioBlkStatus.Ok, rig.ReadStatus(first.Status));
    }
}
