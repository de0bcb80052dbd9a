using PSVmm.Engine.Devices.Block.Throttle;

namespace PSVmm.Tests.Devices.Block.Throttle;

/// <summary>Limits for tests.</summary>
internal static class Rates
{
    /// <summary>A limit whose rate bucket holds <paramref name="size"/> (a burst at the rate itself, <paramref name="size"/>/rate seconds long).</summary>
    public static ThrottleRate Bucket(double perSecond, double size) => new(perSecond, perSecond, size / perSecond);
}
