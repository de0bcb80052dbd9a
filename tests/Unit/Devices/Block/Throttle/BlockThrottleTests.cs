using PSVmm.Engine.Devices.Block.Throttle;
using Xunit;

namespace PSVmm.Tests.Devices.Block.Throttle;

public sealed class BlockThrottleTests
{
    private readonly ManualTimeProvider _clock = new();

    private BlockThrottle Create(ThrottleLimits limits) => new(limits, _clock);

    [Fact]
    public void Unlimited_admits_everything_at_once()
    {
        var throttle = Create(ThrottleLimits.None);

        Assert.True(throttle.IsUnlimited);
        for (int i = 0; i < 10_000; i++)
        {
            Assert.True(throttle.TryConsume(ThrottleDirection.Write, 1, 1 << 20, out var wait));
            Assert.Equal(TimeSpan.Zero, wait);
        }
    }

    [Fact]
    public void An_iops_limit_admits_one_burst_then_one_request_per_period()
    {
        var throttle = Create(new ThrottleLimits { TotalIops = new ThrottleRate(100) });

        for (int i = 0; i < 100; i++)
        {
            Assert.True(throttle.TryConsume(ThrottleDirection.Read, 1, 512, out _), $"request {i} of the burst");
        }

        Assert.False(throttle.TryConsume(ThrottleDirection.Read, 1, 512, out var wait));
        Assert.Equal(TimeSpan.FromMilliseconds(10), wait);

        _clock.Advance(wait - TimeSpan.FromTicks(1));
        Assert.False(throttle.TryConsume(ThrottleDirection.Read, 1, 512, out _));
        _clock.Advance(TimeSpan.FromTicks(1));
        Assert.True(throttle.TryConsume(ThrottleDirection.Read, 1, 512, out _));
        Assert.False(throttle.TryConsume(ThrottleDirection.Read, 1, 512, out _));
    }

    [Fact]
    public void Sustained_throughput_converges_on_the_byte_rate()
    {
        var throttle = Create(new ThrottleLimits { TotalBytesPerSecond = Rates.Bucket(1_000_000, 65536) });
        long admitted = 0;
        var step = TimeSpan.FromMilliseconds(1);
        for (int ms = 0; ms < 10_000; ms++)
        {
            while (throttle.TryConsume(ThrottleDirection.Write, 1, 4096, out _))
            {
                admitted += 4096;
            }

            _clock.Advance(step);
        }

        // 10 s at 1 MB/s plus the initial 64 KiB burst, within one request.
        Assert.InRange(admitted, 10_000_000 + 65536 - 4096, 10_000_000 + 65536 + 4096);
    }

    [Fact]
    public void A_request_larger_than_the_burst_passes_on_a_full_bucket_and_delays_the_next_by_its_cost()
    {
        var throttle = Create(new ThrottleLimits { TotalBytesPerSecond = Rates.Bucket(1_000_000, 100_000) });

        Assert.True(throttle.TryConsume(ThrottleDirection.Write, 1, 500_000, out _));

        Assert.False(throttle.TryConsume(ThrottleDirection.Write, 1, 1000, out var wait));
        // The bucket is 400 000 in debt: 0.401 s until 1000 bytes are available.
        Assert.Equal(TimeSpan.FromMilliseconds(401), wait);
    }

    [Fact]
    public void A_refused_request_charges_nothing()
    {
        var throttle = Create(new ThrottleLimits { TotalIops = Rates.Bucket(10, 1), TotalBytesPerSecond = new ThrottleRate(1000) });

        Assert.True(throttle.TryConsume(ThrottleDirection.Read, 1, 100, out _));
        for (int i = 0; i < 5; i++)
        {
            Assert.False(throttle.TryConsume(ThrottleDirection.Read, 1, 100, out _));
        }

        _clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(throttle.TryConsume(ThrottleDirection.Read, 1, 100, out _));
        // The byte bucket is full again (1000 - 100 + 100, then - 100 + 100): had the five refusals
        // been charged their 500 bytes, only 500 would be left and this would be refused.
        _clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(throttle.TryConsume(ThrottleDirection.Read, 1, 900, out _));
    }

    [Fact]
    public void Per_direction_limits_apply_to_their_direction_only_and_totals_to_all()
    {
        var throttle = Create(new ThrottleLimits
        {
            ReadIops = new ThrottleRate(2),
            TotalIops = new ThrottleRate(5),
        });

        Assert.True(throttle.TryConsume(ThrottleDirection.Read, 1, 0, out _));
        Assert.True(throttle.TryConsume(ThrottleDirection.Read, 1, 0, out _));
        Assert.False(throttle.TryConsume(ThrottleDirection.Read, 1, 0, out var readWait));
        Assert.Equal(TimeSpan.FromMilliseconds(500), readWait);

        Assert.True(throttle.TryConsume(ThrottleDirection.Write, 1, 0, out _));
        Assert.True(throttle.TryConsume(ThrottleDirection.Other, 1, 0, out _));
        Assert.True(throttle.TryConsume(ThrottleDirection.Write, 1, 0, out _));
        Assert.False(throttle.TryConsume(ThrottleDirection.Write, 1, 0, out var totalWait));
        Assert.Equal(TimeSpan.FromMilliseconds(200), totalWait);
    }

    [Fact]
    public void The_wait_is_the_longest_of_the_limits_that_refuse()
    {
        var throttle = Create(new ThrottleLimits
        {
            WriteIops = Rates.Bucket(1000, 1),
            WriteBytesPerSecond = Rates.Bucket(10_000, 4096),
        });

        Assert.True(throttle.TryConsume(ThrottleDirection.Write, 1, 4096, out _));

        Assert.Equal(TimeSpan.FromMilliseconds(409.6), throttle.GetWait(ThrottleDirection.Write, 1, 4096));
        Assert.Equal(TimeSpan.FromMilliseconds(1), throttle.GetWait(ThrottleDirection.Write, 1, 0));
    }

    [Fact]
    public void GetWait_and_the_ready_timestamp_agree_and_charge_nothing()
    {
        var throttle = Create(new ThrottleLimits { TotalIops = Rates.Bucket(4, 1) });
        Assert.True(throttle.TryConsume(ThrottleDirection.Read, 1, 0, out _));

        var wait = throttle.GetWait(ThrottleDirection.Read, 1, 0);
        long ready = throttle.GetReadyTimestamp(ThrottleDirection.Read, 1, 0);

        Assert.Equal(TimeSpan.FromMilliseconds(250), wait);
        Assert.Equal(_clock.GetTimestamp() + wait.Ticks, ready);
        _clock.Advance(wait);
        Assert.True(throttle.TryConsume(ThrottleDirection.Read, 1, 0, out _));
    }

    [Fact]
    public void Idle_time_refills_only_up_to_one_second_at_the_rate_without_a_burst()
    {
        var throttle = Create(new ThrottleLimits { TotalIops = new ThrottleRate(3) });
        _clock.Advance(TimeSpan.FromHours(1));

        int admitted = 0;
        while (throttle.TryConsume(ThrottleDirection.Read, 1, 0, out _))
        {
            admitted++;
        }

        Assert.Equal(3, admitted);
    }

    [Fact]
    public void Limits_can_be_raised_and_removed_on_a_live_throttle()
    {
        var throttle = Create(new ThrottleLimits { TotalIops = Rates.Bucket(1, 1) });
        Assert.True(throttle.TryConsume(ThrottleDirection.Read, 1, 0, out _));
        Assert.False(throttle.TryConsume(ThrottleDirection.Read, 1, 0, out _));

        throttle.UpdateLimits(new ThrottleLimits { TotalIops = Rates.Bucket(1000, 1) });
        Assert.Equal(TimeSpan.FromMilliseconds(1), throttle.GetWait(ThrottleDirection.Read, 1, 0));

        throttle.UpdateLimits(ThrottleLimits.None);
        Assert.True(throttle.TryConsume(ThrottleDirection.Read, 1, 0, out _));
    }

    [Fact]
    public void Negative_costs_are_rejected()
    {
        var throttle = Create(ThrottleLimits.None);

        Assert.Throws<ArgumentOutOfRangeException>(() => throttle.TryConsume(ThrottleDirection.Read, -1, 0, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => throttle.TryConsume(ThrottleDirection.Read, 0, -1, out _));
    }
}
