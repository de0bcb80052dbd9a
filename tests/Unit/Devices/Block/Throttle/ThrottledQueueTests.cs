using PSVmm.Engine.Devices.Block.Throttle;
using Xunit;

namespace PSVmm.Tests.Devices.Block.Throttle;

public sealed class ThrottledQueueTests
{
    private readonly ManualTimeProvider _clock = new();

    [Fact]
    public void An_empty_queue_waits_forever()
    {
        var queue = new ThrottledQueue<int>(new BlockThrottle(ThrottleLimits.None, _clock));

        Assert.False(queue.TryDequeue(out _, out var wait));
        Assert.Equal(Timeout.InfiniteTimeSpan, wait);
    }

    [Fact]
    public void Requests_leave_in_arrival_order_and_small_ones_do_not_overtake_a_refused_large_one()
    {
        var throttle = new BlockThrottle(new ThrottleLimits { TotalBytesPerSecond = new ThrottleRate(1000) }, _clock);
        var queue = new ThrottledQueue<string>(throttle);
        queue.Enqueue("small-1", ThrottleDirection.Read, 1, 600);
        queue.Enqueue("large", ThrottleDirection.Read, 1, 900);
        queue.Enqueue("small-2", ThrottleDirection.Read, 1, 10);

        Assert.True(queue.TryDequeue(out var first, out _));
        Assert.Equal("small-1", first);
        Assert.False(queue.TryDequeue(out _, out var wait));
        Assert.Equal(TimeSpan.FromMilliseconds(500), wait); // 400 left, 900 needed at 1000/s
        Assert.Equal(2, queue.Count);

        _clock.Advance(wait);
        Assert.True(queue.TryDequeue(out var second, out _));
        Assert.Equal("large", second);
        Assert.False(queue.TryDequeue(out _, out var smallWait));
        Assert.Equal(TimeSpan.FromMilliseconds(10), smallWait);
    }

    [Fact]
    public void Clear_hands_back_what_was_waiting()
    {
        var throttle = new BlockThrottle(new ThrottleLimits { TotalIops = Rates.Bucket(1, 1) }, _clock);
        var queue = new ThrottledQueue<int>(throttle);
        for (int i = 1; i <= 3; i++)
        {
            queue.Enqueue(i, ThrottleDirection.Write, 1, 0);
        }

        Assert.True(queue.TryDequeue(out _, out _));
        Assert.Equal([2, 3], queue.Clear());
        Assert.Equal(0, queue.Count);
    }
}
