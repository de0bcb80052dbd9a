using PSVmm.Engine.Devices.Block.Throttle;
using Xunit;

namespace PSVmm.Tests.Devices.Block.Throttle;

/// <summary>
/// A limit with a burst (QEMU's *-max and *-max-length): after a quiet spell up to the burst
/// rate, never faster, for about the burst length; then the rate.
/// </summary>
public sealed class BurstTests
{
    private readonly ManualTimeProvider _clock = new();

    /// <summary>Admits greedily every millisecond for <paramref name="seconds"/>; returns the admissions per millisecond.</summary>
    private int[] Run(BlockThrottle throttle, int seconds)
    {
        var admitted = new int[seconds * 1000];
        for (int ms = 0; ms < admitted.Length; ms++)
        {
            while (throttle.TryConsume(ThrottleDirection.Read, 1, 4096, out _))
            {
                admitted[ms]++;
            }

            _clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        return admitted;
    }

    private static int Sum(int[] perMs, double fromSeconds, double toSeconds) =>
        perMs.Skip((int)(fromSeconds * 1000)).Take((int)((toSeconds - fromSeconds) * 1000)).Sum();

    [Fact]
    public void After_a_quiet_spell_the_disk_runs_at_the_burst_rate_for_the_burst_length_then_at_the_rate()
    {
        var throttle = new BlockThrottle(new ThrottleLimits { TotalIops = new ThrottleRate(10, 100, 2) }, _clock);

        var perMs = Run(throttle, 10);

        // The burst bucket holds a tenth of a second at the burst rate: no more at once.
        Assert.Equal(10, perMs[0]);
        // Each of the first two seconds at the burst rate, never above it.
        Assert.InRange(Sum(perMs, 0, 1), 100, 110);
        Assert.InRange(Sum(perMs, 1, 2), 99, 101);
        // The rate bucket held 200 (burst × length) and refills at 10/s: spent by ~2.2 s.
        Assert.InRange(Sum(perMs, 3, 10), 69, 71);
        Assert.InRange(perMs.Sum(), 298, 311);
    }

    [Fact]
    public void The_burst_comes_back_after_another_quiet_spell()
    {
        var throttle = new BlockThrottle(new ThrottleLimits { ReadIops = new ThrottleRate(10, 100, 1) }, _clock);
        Run(throttle, 5);

        _clock.Advance(TimeSpan.FromSeconds(30));

        Assert.InRange(Sum(Run(throttle, 1), 0, 1), 100, 110);
    }

    [Fact]
    public void A_byte_burst_bounds_bandwidth_by_the_burst_rate()
    {
        var throttle = new BlockThrottle(new ThrottleLimits { TotalBytesPerSecond = new ThrottleRate(40_960, 409_600) }, _clock);

        var perMs = Run(throttle, 4);

        // One second of burst (default length): 100 requests of 4 KiB, not more per second.
        Assert.InRange(Sum(perMs, 0, 1) * 4096L, 409_600, 409_600 + 40_960 + 4096);
        Assert.InRange(Sum(perMs, 2, 4), 19, 21);
    }

    [Fact]
    public void Without_a_burst_the_bucket_holds_one_second_at_the_rate()
    {
        var throttle = new BlockThrottle(new ThrottleLimits { TotalIops = new ThrottleRate(50) }, _clock);
        _clock.Advance(TimeSpan.FromMinutes(5));

        var perMs = Run(throttle, 3);

        Assert.Equal(50, perMs[0]);
        Assert.InRange(Sum(perMs, 1, 3), 99, 101);
    }

    [Fact]
    public void A_burst_added_to_a_live_limit_starts_full_and_one_removed_stops_bounding()
    {
        var throttle = new BlockThrottle(new ThrottleLimits { TotalIops = new ThrottleRate(10) }, _clock);
        Run(throttle, 2);

        throttle.UpdateLimits(new ThrottleLimits { TotalIops = new ThrottleRate(10, 100, 3) });
        _clock.Advance(TimeSpan.FromSeconds(30));
        var perMs = Run(throttle, 2);
        Assert.Equal(10, perMs[0]);
        Assert.InRange(Sum(perMs, 0, 1), 100, 110);

        throttle.UpdateLimits(new ThrottleLimits { TotalIops = new ThrottleRate(10) });
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(10, Run(throttle, 1)[0]);
    }
}
