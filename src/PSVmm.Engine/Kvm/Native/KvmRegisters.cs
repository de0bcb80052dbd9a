using System.Runtime.InteropServices;

namespace PSVmm.Engine.Kvm.Native;

/// <summary>struct kvm_regs (x86_64).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmRegs
{
    public ulong Rax, Rbx, Rcx, Rdx, Rsi, Rdi, Rsp, Rbp;
    public ulong R8, R9, R10, R11, R12, R13, R14, R15;
    public ulong Rip, Rflags;
}

/// <summary>struct kvm_segment: a cached segment descriptor (Intel SDM Vol. 3A §3.4.5).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmSegment
{
    public ulong Base;
    public uint Limit;
    public ushort Selector;
    public byte Type;
    public byte Present, Dpl, Db, S, L, G, Avl;
    public byte Unusable;
    public byte Padding;
}

/// <summary>struct kvm_dtable: GDTR/IDTR.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmDtable
{
    public ulong Base;
    public ushort Limit;
    public ushort Padding0, Padding1, Padding2;
}

/// <summary>struct kvm_sregs (x86_64).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmSregs
{
    public KvmSegment Cs, Ds, Es, Fs, Gs, Ss;
    public KvmSegment Tr, Ldt;
    public KvmDtable Gdt, Idt;
    public ulong Cr0, Cr2, Cr3, Cr4, Cr8;
    public ulong Efer;
    public ulong ApicBase;
    public fixed ulong InterruptBitmap[4];
}

/// <summary>struct kvm_fpu: legacy x87/SSE state (FXSAVE layout fields, Intel SDM Vol. 1 §10.5.1).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmFpu
{
    public fixed byte Fpr[128];
    public ushort Fcw;
    public ushort Fsw;
    public byte Ftwx;
    public byte Pad1;
    public ushort LastOpcode;
    public ulong LastIp;
    public ulong LastDp;
    public fixed byte Xmm[256];
    public uint Mxcsr;
    public uint Pad2;
}

/// <summary>struct kvm_translation (KVM_TRANSLATE).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmTranslation
{
    public ulong LinearAddress;
    public ulong PhysicalAddress;
    public byte Valid;
    public byte Writeable;
    public byte Usermode;
    public fixed byte Pad[5];
}

/// <summary>struct kvm_vcpu_events (KVM_GET/SET_VCPU_EVENTS), 64 bytes.</summary>
[StructLayout(LayoutKind.Explicit, Size = 64)]
internal struct KvmVcpuEvents
{
    [FieldOffset(0)] public byte ExceptionInjected;
    [FieldOffset(1)] public byte ExceptionNr;
    [FieldOffset(2)] public byte ExceptionHasErrorCode;
    [FieldOffset(3)] public byte ExceptionPending;
    [FieldOffset(4)] public uint ExceptionErrorCode;
    [FieldOffset(8)] public byte InterruptInjected;
    [FieldOffset(9)] public byte InterruptNr;
    [FieldOffset(10)] public byte InterruptSoft;
    [FieldOffset(11)] public byte InterruptShadow;
    [FieldOffset(12)] public byte NmiInjected;
    [FieldOffset(13)] public byte NmiPending;
    [FieldOffset(14)] public byte NmiMasked;
    [FieldOffset(16)] public uint SipiVector;
    [FieldOffset(20)] public uint Flags;
}
