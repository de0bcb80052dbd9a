namespace PSVmm.Commands;

/// <summary>What Wait-Vm waits for. (-For also takes Shutdown for Exit: <see cref="WaitConditionNameAttribute"/>.)</summary>
public enum WaitVmCondition
{
    /// <summary>The console output matches -Pattern.</summary>
    ConsolePattern,
    /// <summary>The VM is Stopped or Failed.</summary>
    Exit,
}
