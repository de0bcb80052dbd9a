namespace PSVmm.Engine.Machine;

/// <summary>
/// One VM: created from a <see cref="VmConfig"/>, started, observed and stopped.
/// CONTRACT STUB: the public surface is fixed (the cmdlets code against it); the body is
/// written by the KVM machine work.
/// </summary>
public sealed class VirtualMachine : IDisposable
{
    private VirtualMachine(VmConfig config)
    {
        Config = config;
        Console = new ConsoleLog(config.ConsoleLogPath);
    }

    /// <summary>Validates the configuration and the files it names; throws <see cref="VmException"/> with a stable ErrorId. Touches no KVM resources.</summary>
    public static VirtualMachine Create(VmConfig config) => throw new NotImplementedException();

    public Guid Id { get; } = Guid.NewGuid();
    public string Name => Config.Name;
    /// <summary>A private copy of the configuration the VM was created from.</summary>
    public VmConfig Config { get; }
    public VmState State { get; private set; }
    public DateTime? StartTime { get; private set; }
    public DateTime? StopTime { get; private set; }
    public TimeSpan Uptime => StartTime is null ? TimeSpan.Zero : (StopTime ?? DateTime.UtcNow) - StartTime.Value;
    /// <summary>The CPU profile actually applied (Auto resolved).</summary>
    public CpuProfile EffectiveCpuProfile { get; private set; }
    /// <summary>The kernel command line as the guest receives it (user's arguments plus anything PSVmm appended).</summary>
    public string EffectiveKernelArgs { get; private set; } = "";
    /// <summary>The status the guest wrote to the debug-exit port, if it did.</summary>
    public int? ExitCode { get; private set; }
    /// <summary>Why the VM is <see cref="VmState.Failed"/> (e.g. an unhandled emulation failure naming RIP and bytes).</summary>
    public string? FailureReason { get; private set; }
    public ConsoleLog Console { get; }

    /// <summary>Raised (on any thread) whenever <see cref="State"/> changes.</summary>
    public event EventHandler<VmState>? StateChanged;

    /// <summary>Opens KVM, builds the machine, loads the guest and starts the vCPUs. Throws <see cref="VmException"/>; on failure nothing is left allocated.</summary>
    public void Start() => throw new NotImplementedException();

    /// <summary>Asks the guest to shut down (a guest-visible request). Returns without waiting.</summary>
    public void RequestShutdown() => throw new NotImplementedException();

    /// <summary>Stops the vCPUs at once and releases every KVM resource. Idempotent.</summary>
    public void TurnOff() => throw new NotImplementedException();

    /// <summary>Waits until the VM is Stopped or Failed; false on timeout or cancellation.</summary>
    public bool WaitForExit(TimeSpan timeout, CancellationToken token) => throw new NotImplementedException();

    /// <summary>Queues bytes for the UART's receiver.</summary>
    public void SendConsoleInput(ReadOnlySpan<byte> data) => throw new NotImplementedException();

    /// <summary>A snapshot of every vCPU's counters.</summary>
    public IReadOnlyList<VcpuInfo> GetVcpus() => throw new NotImplementedException();

    public void Dispose() => TurnOff();
}

/// <summary>Counters of one vCPU, copied out for cmdlets.</summary>
public sealed record VcpuInfo(
    int Index,
    string State,
    long Exits,
    long IoExits,
    long MmioExits,
    IReadOnlyDictionary<string, long> EmulationFixups);
