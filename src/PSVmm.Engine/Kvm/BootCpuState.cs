using PSVmm.Engine.Boot;
using PSVmm.Engine.Kvm.Native;

namespace PSVmm.Engine.Kvm;

/// <summary>
/// The register state of the boot vCPU for an <see cref="EntryState"/>, built as pure
/// functions over KVM's structs (Intel SDM Vol. 3A §9.8 for protected mode, §9.8.5 for
/// long mode; Multiboot 0.6.96 §3.2; Linux Documentation/arch/x86/boot.rst "64-bit Boot Protocol").
/// </summary>
internal static class BootCpuState
{
    public const ulong Cr0Pe = 1UL << 0;
    public const ulong Cr0Et = 1UL << 4;
    public const ulong Cr0Pg = 1UL << 31;
    public const ulong Cr0Cd = 1UL << 30;
    public const ulong Cr0Nw = 1UL << 29;
    public const ulong Cr4Pae = 1UL << 5;
    public const ulong EferLme = 1UL << 8;
    public const ulong EferLma = 1UL << 10;
    public const ulong RflagsReserved = 1UL << 1;

    private const byte TypeCodeExecReadAccessed = 0xB;
    private const byte TypeDataReadWriteAccessed = 0x3;

    /// <summary>Applies the entry mode to <paramref name="sregs"/> (as read from KVM: TR, LDT and IDT keep their reset values).</summary>
    public static KvmSregs Sregs(EntryState entry, KvmSregs sregs)
    {
        if (entry.Mode == EntryMode.Protected32)
        {
            var code = FlatSegment(0x08, TypeCodeExecReadAccessed, longMode: false);
            var data = FlatSegment(0x10, TypeDataReadWriteAccessed, longMode: false);
            sregs.Cs = code;
            sregs.Ds = sregs.Es = sregs.Fs = sregs.Gs = sregs.Ss = data;
            sregs.Cr0 = (sregs.Cr0 | Cr0Pe | Cr0Et) & ~(Cr0Pg | Cr0Cd | Cr0Nw);
            sregs.Cr4 = 0;
            sregs.Efer = 0;
        }
        else
        {
            sregs.Cs = FlatSegment(entry.CodeSelector, TypeCodeExecReadAccessed, longMode: true);
            var data = FlatSegment(entry.DataSelector, TypeDataReadWriteAccessed, longMode: false);
            sregs.Ds = sregs.Es = sregs.Fs = sregs.Gs = sregs.Ss = data;
            sregs.Gdt = new KvmDtable { Base = entry.GdtBase, Limit = entry.GdtLimit };
            sregs.Cr3 = entry.Cr3;
            sregs.Cr4 = Cr4Pae;
            sregs.Cr0 = (sregs.Cr0 | Cr0Pe | Cr0Et | Cr0Pg) & ~(Cr0Cd | Cr0Nw);
            sregs.Efer = EferLme | EferLma;
        }
        return sregs;
    }

    public static KvmRegs Regs(EntryState entry) => new()
    {
        Rip = entry.Rip,
        Rax = entry.Rax,
        Rbx = entry.Rbx,
        Rsi = entry.Rsi,
        Rsp = entry.Rsp,
        Rflags = RflagsReserved,
    };

    /// <summary>x87 control word 0x37F and MXCSR 0x1F80: the values after FNINIT and reset (Intel SDM Vol. 1 §8.1.5, §10.2.3).</summary>
    public static KvmFpu Fpu() => new() { Fcw = 0x37F, Mxcsr = 0x1F80 };

    private static KvmSegment FlatSegment(ushort selector, byte type, bool longMode) => new()
    {
        Base = 0,
        Limit = 0xFFFF_FFFF,
        Selector = selector,
        Type = type,
        Present = 1,
        Dpl = 0,
        Db = longMode ? (byte)0 : (byte)1,
        S = 1,
        L = longMode ? (byte)1 : (byte)0,
        G = 1,
    };
}
