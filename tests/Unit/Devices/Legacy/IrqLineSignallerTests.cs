using PSVmm.Engine.Devices.Legacy;
using PSVmm.Tests.TestDoubles;
using Xunit;

namespace PSVmm.Tests.Devices.Legacy;

public sealed class IrqLineSignallerTests
{
    private readonly RecordingInterruptSink _sink = new();

    [Fact]
    public void Only_level_changes_reach_the_sink()
    {
        var line = new IrqLineSignaller(_sink, 9);
        line.Publish(line.TakeTicket(), false);
        line.Publish(line.TakeTicket(), true);
        line.Publish(line.TakeTicket(), true);
        line.Publish(line.TakeTicket(), false);
        Assert.Equal([new RecordingInterruptSink.LineChange(9, true), new RecordingInterruptSink.LineChange(9, false)], _sink.LineChanges);
    }

    [Fact]
    public void A_level_computed_earlier_does_not_overwrite_a_later_one()
    {
        var line = new IrqLineSignaller(_sink, 9);
        long older = line.TakeTicket();  // thread A computed "low" ...
        long newer = line.TakeTicket();  // ... then thread B computed "high"
        line.Publish(newer, true);       // B publishes first
        line.Publish(older, false);      // A's stale level is dropped
        Assert.True(_sink.IsAsserted(9));
        Assert.Single(_sink.LineChanges);
    }
}
