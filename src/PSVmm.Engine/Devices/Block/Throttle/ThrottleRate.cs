namespace PSVmm.Engine.Devices.Block.Throttle;

/// <summary>
/// A sustained rate (operations or bytes per second) and a burst: how much may be spent at once
/// after a quiet spell. Burst 0 means one second's worth. PerSecond 0 means unlimited.
/// </summary>
public readonly record struct ThrottleRate(double PerSecond, double Burst = 0)
{
    public static ThrottleRate Unlimited => default;

    public bool IsUnlimited => PerSecond <= 0;

    public double Capacity => Burst > 0 ? Math.Max(Burst, 1) : Math.Max(PerSecond, 1);
}
