using PSVmm.Engine.Devices.Block.Throttle;
using Xunit;

namespace PSVmm.Tests.Devices.Block.Throttle;

/// <summary>QEMU's rules for throttling options, with messages that name the parameter to fix.</summary>
public sealed class ThrottleLimitsValidationTests
{
    private static string Problems(ThrottleLimits limits) => string.Join(" | ", limits.Validate("disk0"));

    [Fact]
    public void Unlimited_and_sensible_limits_are_valid()
    {
        Assert.Empty(ThrottleLimits.None.Validate("disk0"));
        Assert.Empty(new ThrottleLimits
        {
            ReadIops = new ThrottleRate(100, 1000, 10),
            WriteIops = new ThrottleRate(50),
            TotalBytesPerSecond = new ThrottleRate(1 << 20, 1 << 24),
        }.Validate("disk0"));
    }

    [Fact]
    public void Negative_values_are_refused_naming_the_parameter()
    {
        Assert.Contains("-MaximumIops is -1; it cannot be negative", Problems(new() { TotalIops = new ThrottleRate(-1) }));
        Assert.Contains("-MaximumWriteBytesPerSecondBurst is -5", Problems(new() { WriteBytesPerSecond = new ThrottleRate(10, -5) }));
        Assert.Contains("-MaximumReadIopsBurstSeconds is -2", Problems(new() { ReadIops = new ThrottleRate(10, 20, -2) }));
        Assert.Contains("-MaximumIops is NaN", Problems(new() { TotalIops = new ThrottleRate(double.NaN) }));
    }

    [Fact]
    public void A_burst_below_the_rate_or_without_a_rate_is_refused()
    {
        Assert.Contains("-MaximumIopsBurst 50 is below -MaximumIops 100", Problems(new() { TotalIops = new ThrottleRate(100, 50) }));
        Assert.Contains("-MaximumReadBytesPerSecondBurst needs -MaximumReadBytesPerSecond", Problems(new() { ReadBytesPerSecond = new ThrottleRate(0, 50) }));
        Assert.Contains("-MaximumWriteIopsBurstSeconds needs -MaximumWriteIopsBurst", Problems(new() { WriteIops = new ThrottleRate(10, 0, 5) }));
    }

    [Fact]
    public void A_total_limit_excludes_read_and_write_limits_of_the_same_kind()
    {
        Assert.Contains("-MaximumIops (all requests) and -MaximumReadIops/-MaximumWriteIops cannot both be set",
            Problems(new() { TotalIops = new ThrottleRate(100), WriteIops = new ThrottleRate(10) }));
        Assert.Contains("-MaximumBytesPerSecond (all requests) and -MaximumReadBytesPerSecond/-MaximumWriteBytesPerSecond cannot both be set",
            Problems(new() { TotalBytesPerSecond = new ThrottleRate(100), ReadBytesPerSecond = new ThrottleRate(10) }));
        // Different kinds mix freely.
        Assert.Empty(new ThrottleLimits { TotalIops = new ThrottleRate(100), ReadBytesPerSecond = new ThrottleRate(10) }.Validate("disk0"));
    }

    [Fact]
    public void Values_above_QEMUs_maximum_are_refused()
    {
        Assert.Contains("use at most", Problems(new() { TotalIops = new ThrottleRate(2e15) }));
        Assert.Contains("use at most 86400", Problems(new() { TotalIops = new ThrottleRate(1, 2, 1e6) }));
    }
}
