using System.Runtime.InteropServices;

namespace PSVmm.Engine.Kvm.Native;

/// <summary>struct kvm_userspace_memory_region.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmUserspaceMemoryRegion
{
    public uint Slot;
    public uint Flags;
    public ulong GuestPhysAddr;
    public ulong MemorySize;
    public ulong UserspaceAddr;
}

/// <summary>struct kvm_irq_level.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmIrqLevel
{
    public uint Irq;
    public uint Level;
}

/// <summary>struct kvm_msi (KVM_SIGNAL_MSI).</summary>
[StructLayout(LayoutKind.Sequential, Size = 32)]
internal struct KvmMsi
{
    public uint AddressLo;
    public uint AddressHi;
    public uint Data;
    public uint Flags;
    public uint DevId;
}

/// <summary>struct kvm_irqfd.</summary>
[StructLayout(LayoutKind.Sequential, Size = 32)]
internal struct KvmIrqfd
{
    public const uint FlagDeassign = 1;
    public uint Fd;
    public uint Gsi;
    public uint Flags;
    public uint ResampleFd;
}

/// <summary>struct kvm_ioeventfd.</summary>
[StructLayout(LayoutKind.Sequential, Size = 64)]
internal struct KvmIoeventfd
{
    public const uint FlagDatamatch = 1 << 0;
    public const uint FlagPio = 1 << 1;
    public const uint FlagDeassign = 1 << 2;
    public ulong Datamatch;
    public ulong Addr;
    public uint Len;
    public int Fd;
    public uint Flags;
}

/// <summary>struct kvm_pit_config.</summary>
[StructLayout(LayoutKind.Sequential, Size = 64)]
internal struct KvmPitConfig
{
    public const uint SpeakerDummy = 1;
    public uint Flags;
}

/// <summary>struct kvm_irq_routing_entry: 48 bytes; the union is irqchip {irqchip, pin} or msi {address_lo, address_hi, data, devid}.</summary>
[StructLayout(LayoutKind.Sequential, Size = 48)]
internal struct KvmIrqRoutingEntry
{
    public const uint TypeIrqchip = 1;
    public const uint TypeMsi = 2;
    public uint Gsi;
    public uint Type;
    public uint Flags;
    public uint Pad;
    public uint U0, U1, U2, U3;
}

/// <summary>struct kvm_msr_entry.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmMsrEntry
{
    public uint Index;
    public uint Reserved;
    public ulong Data;
}

/// <summary>struct kvm_cpuid_entry2 (40 bytes).</summary>
[StructLayout(LayoutKind.Sequential, Size = 40)]
internal struct KvmCpuidEntry2
{
    public uint Function;
    public uint Index;
    public uint Flags;
    public uint Eax, Ebx, Ecx, Edx;
}
