using PSVmm.Engine.Kvm.Emulation;

namespace PSVmm.Engine.Machine;

/// <summary>
/// Test seams of the machine (internal): replace the standard legacy devices with doubles
/// registered on the buses, and the instruction decoder used for emulation failures.
/// </summary>
internal sealed class MachineHooks
{
    /// <summary>When set, called instead of registering Serial8250, I8042 and TestDevice.</summary>
    public Action<MachineDevices>? RegisterDevices { get; init; }

    /// <summary>When set, loads the guest instead of the kernel-image loaders and returns the boot vCPU's entry state.</summary>
    public Func<Memory.IGuestMemory, Boot.EntryState>? Load { get; init; }

    /// <summary>True: emulation failures read instruction bytes through KVM_TRANSLATE even when kvm_run carries them.</summary>
    public bool IgnoreReportedInstructionBytes { get; init; }

    /// <summary>When set, opened instead of /dev/kvm.</summary>
    public string? KvmDevicePath { get; init; }

    /// <summary>When set, used instead of <see cref="InstructionDecoder.Decode"/>.</summary>
    public InstructionDecodeFunc? Decode { get; init; }
}
