namespace PSVmm.Engine.Machine;

/// <summary>How far long disk-image work has got; <paramref name="PercentComplete"/> is -1 when unknown.</summary>
public readonly record struct DiskImageProgress(string Activity, string Status, int PercentComplete);
