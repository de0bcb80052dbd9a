namespace PSVmm.Engine.Machine;

public enum VmState
{
    /// <summary>Configured, never started.</summary>
    Off,
    Starting,
    Running,
    Stopping,
    /// <summary>The guest exited (debug-exit port, reset, shutdown) or was turned off.</summary>
    Stopped,
    /// <summary>Stopped by an error: see VirtualMachine.FailureReason.</summary>
    Failed,
}
