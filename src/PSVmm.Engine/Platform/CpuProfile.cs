namespace PSVmm.Engine.Platform;

/// <summary>How CPUID and boot arguments are shaped for the host's kind of KVM.</summary>
public enum CpuProfile
{
    /// <summary>Pvm when /sys/module/kvm_pvm exists, Host otherwise.</summary>
    Auto,
    /// <summary>KVM's supported CPUID as it is.</summary>
    Host,
    /// <summary>Hide what the PVM CPL0 emulator rejects (PLATFORM.md).</summary>
    Pvm,
}
