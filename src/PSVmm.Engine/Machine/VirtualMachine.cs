using PSVmm.Engine.Devices.Block.Throttle;
using PSVmm.Engine.Kvm;
using PSVmm.Engine.Kvm.Cpuid;
using PSVmm.Engine.Kvm.Native;
using PSVmm.Engine.Platform;

namespace PSVmm.Engine.Machine;

/// <summary>
/// One VM: created from a <see cref="VmConfig"/>, started, observed and stopped.
/// State goes Off → Starting → Running → Stopping → Stopped or Failed; a stopped VM can be
/// started again. All KVM resources live only between Start and the end of the run.
/// </summary>
public sealed class VirtualMachine : IDisposable, IShutdownTarget
{
    private readonly object _lock = new();
    private readonly MachineHooks? _hooks;
    private readonly ManualResetEventSlim _exited = new(false);
    private RunningMachine? _machine;
    private VcpuStopRequest? _stopRequest;
    private int _liveThreads;
    private IReadOnlyList<VcpuInfo> _lastVcpus = [];
    // The threads of the last run: the vCPU that finished it is still returning when the VM is
    // Stopped, and TurnOff/Dispose must not return before it has.
    private IReadOnlyList<VcpuThread> _lastThreads = [];

    private VirtualMachine(VmConfig config)
    {
        Config = config;
        Console = new ConsoleLog(config.ConsoleLogPath);
    }

    /// <summary>For tests: a VM whose devices or decoder are replaced (no validation of the config).</summary>
    internal VirtualMachine(VmConfig config, MachineHooks hooks)
        : this(config.Clone())
    {
        _hooks = hooks;
    }

    /// <summary>Validates the configuration and the files it names; throws <see cref="VmException"/> with a stable ErrorId. Touches no KVM resources.</summary>
    public static VirtualMachine Create(VmConfig config) => Create(VmConfigValidator.Validate(config));

    /// <summary>A machine from a configuration <see cref="VmConfigValidator.Validate"/> already accepted. Touches no KVM resources.</summary>
    public static VirtualMachine Create(ValidatedVmConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new VirtualMachine(config.Config.Clone());
    }

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
    /// <summary>What the VMM's devices noticed (guest errors, refused requests), across runs.</summary>
    public VmEventLog Events { get; } = new();

    /// <summary>Raised (on any thread) whenever <see cref="State"/> changes.</summary>
    public event EventHandler<VmState>? StateChanged;

    /// <summary>Opens KVM, builds the machine, loads the guest and starts the vCPUs. Throws <see cref="VmException"/>; on failure nothing is left allocated.</summary>
    public void Start()
    {
        lock (_lock)
        {
            if (State is VmState.Starting or VmState.Running or VmState.Stopping)
                throw new VmException("VmAlreadyRunning", VmErrorCategory.InvalidOperation, $"VM '{Name}' is already {State}.");
            State = VmState.Starting;
            _stopRequest = null;
            ExitCode = null;
            FailureReason = null;
            StopTime = null;
            _exited.Reset();
        }
        RaiseStateChanged(VmState.Starting);

        RunningMachine? machine = null;
        try
        {
            var profile = CpuidProfile.Resolve(Config.CpuProfile);
            var kvm = OpenKvm();
            machine = MachineBuilder.Build(kvm, Config, profile, Console, Events, _hooks, RequestStop, OnVcpuExited);
            var loaded = _hooks?.Load is { } load
                ? new GuestLoader.Loaded(load(machine.Memory), Config.KernelArgs)
                : GuestLoader.Load(machine.Memory, Config, profile);
            MachineBuilder.SetBootState(machine.Vcpus[0], loaded.Entry);
            lock (_lock)
            {
                _machine = machine;
                _liveThreads = machine.Threads.Count;
                EffectiveCpuProfile = profile;
                EffectiveKernelArgs = loaded.EffectiveKernelArgs;
                StartTime = DateTime.UtcNow;
                State = VmState.Running;
            }
        }
        catch (Exception e)
        {
            machine?.Dispose();
            var error = e as VmException ?? new VmException(
                e is KvmException or InsufficientMemoryException ? "KvmSetupFailed" : "VmStartFailed", VmErrorCategory.ResourceUnavailable,
                $"VM '{Name}' could not start: {e.Message}", e);
            lock (_lock)
            {
                State = VmState.Failed;
                FailureReason = error.Message;
                StopTime = DateTime.UtcNow;
            }
            _exited.Set();
            RaiseStateChanged(VmState.Failed);
            throw error;
        }
        RaiseStateChanged(VmState.Running);
        foreach (var thread in machine.Threads)
            thread.Start();
    }

    /// <summary>Asks the guest to shut down (a guest-visible request). Returns without waiting.</summary>
    public void RequestShutdown()
    {
        Action? request;
        lock (_lock)
        {
            if (State != VmState.Running || _machine is null)
                throw new VmException("VmNotRunning", VmErrorCategory.InvalidOperation, $"VM '{Name}' is not running.");
            request = _machine.Devices.ShutdownRequest;
        }
        request?.Invoke();
    }

    /// <summary>Stops the vCPUs at once and releases every KVM resource. Idempotent.</summary>
    public void TurnOff()
    {
        List<VcpuThread> threads;
        lock (_lock)
            threads = _machine?.Threads.ToList() ?? _lastThreads.ToList();
        RequestStop(new VcpuStopRequest(VmState.Stopped, null, null));
        foreach (var t in threads)
        {
            if (t.Thread != Thread.CurrentThread && t.Thread.IsAlive)
                t.Thread.Join();
        }
        // Normally the last vCPU thread has finished the run already; threads that Start has not
        // started yet (TurnOff from a Running handler) will see the stop request and finish it.
        if (threads.All(t => !t.Thread.IsAlive && (t.Thread.ThreadState & ThreadState.Unstarted) == 0))
            Finish();
    }

    /// <summary>Waits until the VM is Stopped or Failed; false on timeout or cancellation, and at once for a VM never started.</summary>
    public bool WaitForExit(TimeSpan timeout, CancellationToken token)
    {
        if (State == VmState.Off)
            return false;
        try
        {
            return _exited.Wait(timeout, token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Queues bytes for the UART's receiver.</summary>
    public void SendConsoleInput(ReadOnlySpan<byte> data)
    {
        ConsoleInputSink? input;
        lock (_lock)
        {
            if (State != VmState.Running || _machine is null)
                throw new VmException("VmNotRunning", VmErrorCategory.InvalidOperation, $"VM '{Name}' is not running.");
            input = _machine.Devices.ConsoleInput;
        }
        input?.Invoke(data);
    }

    /// <summary>A snapshot of every vCPU's counters (the last run's, once stopped).</summary>
    public IReadOnlyList<VcpuInfo> GetVcpus()
    {
        lock (_lock)
            return _machine is null ? _lastVcpus : _machine.Threads.Select(t => t.Snapshot()).ToList();
    }

    /// <summary>Live state of every virtio-blk-pci disk; empty unless the VM is running.</summary>
    public IReadOnlyList<VirtioBlkPciState> GetBlockDevices()
    {
        PciPlatform? pci;
        lock (_lock)
            pci = State == VmState.Running ? _machine?.Pci : null;
        return pci?.Snapshot() ?? [];
    }

    /// <summary>
    /// Gives disk <paramref name="id"/> new I/O limits: in the configuration (a restart keeps them)
    /// and, while the VM runs, on the live disk, on its IoThread, without dropping or reordering
    /// waiting requests. Throws <see cref="VmException"/> DiskNotFound, InvalidDiskLimits, or
    /// VmStarting while the machine is being built (it may have read the old limits already).
    /// </summary>
    public void SetDiskLimits(string id, ThrottleLimits limits)
    {
        PciPlatform? pci;
        lock (_lock)
        {
            if (State == VmState.Starting)
                throw new VmException("VmStarting", VmErrorCategory.InvalidOperation, $"VM '{Name}' is starting. Try again once it runs.");
            Config.SetBlockDeviceLimits(id, limits);
            pci = State == VmState.Running ? _machine?.Pci : null;
        }

        try
        {
            pci?.UpdateDiskLimits(id, limits);
        }
        catch (ObjectDisposedException)
        {
            // The VM stopped meanwhile: the configuration has the limits for its next start.
        }
    }

    /// <summary>Every function on PCI bus 0 (host bridge included) as the guest sees it now; empty unless the VM is running.</summary>
    public IReadOnlyList<Pci.PciDeviceInfo> GetPciDevices()
    {
        PciPlatform? pci;
        lock (_lock)
            pci = State == VmState.Running ? _machine?.Pci : null;
        return pci?.Root.GetDeviceInfos() ?? [];
    }

    public void Dispose()
    {
        TurnOff();
        Console.Close();
    }

    /// <summary>First request wins: records the outcome, moves to Stopping and kicks every vCPU.</summary>
    private void RequestStop(VcpuStopRequest request)
    {
        List<VcpuThread> threads;
        lock (_lock)
        {
            if (_stopRequest is not null || _machine is null || State != VmState.Running)
                return;
            _stopRequest = request;
            State = VmState.Stopping;
            threads = _machine.Threads.ToList();
        }
        RaiseStateChanged(VmState.Stopping);
        foreach (var t in threads)
            t.RequestStop();
    }

    private void OnVcpuExited()
    {
        if (Interlocked.Decrement(ref _liveThreads) == 0)
            Finish();
    }

    /// <summary>Releases the machine and enters the final state; runs once per run (last vCPU thread or TurnOff).</summary>
    private void Finish()
    {
        RunningMachine? machine;
        lock (_lock)
        {
            machine = _machine;
            if (machine is null)
                return;
            _machine = null;
            _lastVcpus = machine.Threads.Select(t => t.Snapshot()).ToList();
            _lastThreads = machine.Threads.ToList();
        }
        machine.Dispose();
        VmState final;
        string? failure;
        lock (_lock)
        {
            var request = _stopRequest ?? new VcpuStopRequest(VmState.Stopped, null, null);
            final = request.FinalState;
            failure = request.Reason;
            ExitCode = request.ExitCode;
            FailureReason = failure;
            StopTime = DateTime.UtcNow;
            State = final;
        }
        if (failure is not null)
            Console.Append($"\n[PSVmm] {failure}\n");
        _exited.Set();
        RaiseStateChanged(final);
    }

    private KvmSystem OpenKvm()
    {
        try
        {
            return KvmSystem.Open(_hooks?.KvmDevicePath ?? KvmSystem.DevicePath);
        }
        catch (KvmException e) when (e.Errno == 2 || e.Errno == 19 || e.Errno == 6)
        {
            throw new VmException("KvmNotAvailable", VmErrorCategory.ResourceUnavailable,
                $"{_hooks?.KvmDevicePath ?? KvmSystem.DevicePath} does not exist: KVM is not available on this host (load kvm_intel, kvm_amd or kvm_pvm).", e);
        }
        catch (KvmException e) when (e.Errno == 13 || e.Errno == 1)
        {
            throw new VmException("KvmAccessDenied", VmErrorCategory.PermissionDenied,
                $"No permission to open {_hooks?.KvmDevicePath ?? KvmSystem.DevicePath}: add the user to the kvm group.", e);
        }
    }

    private void RaiseStateChanged(VmState state)
    {
        try
        {
            StateChanged?.Invoke(this, state);
        }
        catch (Exception)
        {
            // A subscriber's failure must not break the state machine (this may run on a vCPU thread).
        }
    }
}

/// <summary>Counters of one vCPU, copied out for cmdlets.</summary>
public sealed record VcpuInfo(
    int Index,
    string State,
    long Exits,
    long IoExits,
    long MmioExits,
    IReadOnlyDictionary<string, long> EmulationFixups);
