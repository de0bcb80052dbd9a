namespace PSVmm.Commands;

/// <summary>What Wait-Vm waits for.</summary>
public enum WaitVmCondition
{
    /// <summary>The console output matches -Pattern.</summary>
    ConsolePattern,
    /// <summary>The VM is Stopped or Failed.</summary>
    Exit,
    /// <summary>Another name for <see cref="Exit"/> (the name the design notes use).</summary>
    Shutdown = Exit,
}
