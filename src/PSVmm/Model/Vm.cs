using PSVmm.Engine.Machine;
using PSVmm.Engine.Platform;
using PSVmm.Session;

namespace PSVmm.Model;

/// <summary>
/// A VM of this session as Get-Vm, Start-Vm, Stop-Vm and Wait-Vm write it: a live view that reads
/// the VM's current state on every access, so an object kept in a variable shows the VM as it is
/// now, across Stop-Vm and Start-Vm (the Id stays). It has no methods that change the VM: that is
/// what the cmdlets are for (-WhatIf, -Confirm). Its disks (Devices) are the ones its Config lists,
/// added in PSVmm.Types.ps1xml so that they are the objects $config.BlockDevices shows.
/// </summary>
public sealed class Vm : IEquatable<Vm>
{
    internal Vm(RegisteredVm registered) => Registered = registered;

    internal RegisteredVm Registered { get; }

    private VirtualMachine Machine => Registered.Machine;

    public string Name => Registered.Name;

    /// <summary>The VM's identity in this session; it keeps it across Stop-Vm and Start-Vm.</summary>
    public Guid Id => Registered.Id;

    public VmState State => Machine.State;

    /// <summary>False once Remove-Vm has removed the VM; the object then shows its last state.</summary>
    public bool IsRegistered => VmRegistry.Contains(Registered);

    public int CpuCount => Machine.Config.CpuCount;
    public int MemoryMB => Machine.Config.MemoryMB;
    public DateTime? StartTime => Machine.StartTime;
    public DateTime? StopTime => Machine.StopTime;
    public TimeSpan Uptime => Machine.Uptime;

    /// <summary>The status the guest wrote to the debug-exit port in its last run, if it did.</summary>
    public int? ExitCode => Machine.ExitCode;

    /// <summary>Why the VM is Failed.</summary>
    public string? FailureReason => Machine.FailureReason;

    public string? Kernel => Machine.Config.KernelPath;
    public string? Initrd => Machine.Config.InitrdPath;
    public string KernelArgs => Machine.Config.KernelArgs;

    /// <summary>The kernel command line the guest received (KernelArgs plus what PSVmm appended).</summary>
    public string EffectiveKernelArgs => Machine.EffectiveKernelArgs;

    public CpuProfile CpuProfile => Machine.Config.CpuProfile;

    /// <summary>The CPU profile of the last start (Auto resolved).</summary>
    public CpuProfile EffectiveCpuProfile => Machine.EffectiveCpuProfile;

    public string? ConsoleLogPath => Machine.Config.ConsoleLogPath;

    /// <summary>A copy of the VM's configuration: changing it does not change the VM; it can start another one.</summary>
    public VmConfig Config => Machine.Config.Clone();

    public override string ToString() => $"{Name} ({State})";

    public bool Equals(Vm? other) => other is not null && ReferenceEquals(Registered, other.Registered);

    public override bool Equals(object? obj) => Equals(obj as Vm);

    public override int GetHashCode() => Id.GetHashCode();
}
