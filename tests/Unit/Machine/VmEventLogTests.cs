using PSVmm.Engine.Machine;
using Xunit;

namespace PSVmm.Tests.Machine;

public sealed class VmEventLogTests
{
    [Fact]
    public void KeepsEventsInOrderWithSourceAndUtcTime()
    {
        var log = new VmEventLog();
        var before = DateTime.UtcNow;
        log.Add("disk0", "first");
        log.Add("iothread0", "second");
        var events = log.Snapshot();
        Assert.Equal(["first", "second"], events.Select(e => e.Message));
        Assert.Equal(["disk0", "iothread0"], events.Select(e => e.Source));
        Assert.All(events, e => Assert.InRange(e.Time, before, DateTime.UtcNow));
        Assert.Equal(0, log.Dropped);
    }

    [Fact]
    public void DropsTheOldestBeyondItsCapacityAndCountsThem()
    {
        var log = new VmEventLog();
        for (int i = 0; i < VmEventLog.Capacity + 5; i++)
            log.Add("disk0", $"event {i}");
        var events = log.Snapshot();
        Assert.Equal(VmEventLog.Capacity, events.Count);
        Assert.Equal("event 5", events[0].Message);
        Assert.Equal($"event {VmEventLog.Capacity + 4}", events[^1].Message);
        Assert.Equal(5, log.Dropped);
    }

    [Fact]
    public void TakesEventsFromManyThreadsAtOnce()
    {
        var log = new VmEventLog();
        Parallel.For(0, 8, t =>
        {
            for (int i = 0; i < 100; i++)
                log.Add($"thread{t}", $"event {i}");
        });
        Assert.Equal(800, log.Snapshot().Count);
    }
}
