namespace PSVmm.Engine.Machine;

/// <summary>Why the machine is being stopped, and the state it ends in.</summary>
internal sealed record VcpuStopRequest(VmState FinalState, int? ExitCode, string? Reason)
{
    public static VcpuStopRequest Failed(string reason) => new(VmState.Failed, null, reason);
}
