namespace PSVmm.Engine.Devices.Block.Device;

/// <summary>What the parser checks requests against: the disk and the features the driver accepted.</summary>
internal sealed record BlockRequestRules(
    ulong CapacitySectors,
    bool ReadOnly,
    bool DiscardNegotiated,
    bool WriteZeroesNegotiated,
    VirtioBlkLimits Limits);
