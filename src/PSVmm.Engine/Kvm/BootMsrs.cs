namespace PSVmm.Engine.Kvm;

/// <summary>MSR values every vCPU starts with (Intel SDM Vol. 4 for the indices).</summary>
internal static class BootMsrs
{
    public const uint Tsc = 0x10;
    public const uint SysenterCs = 0x174;
    public const uint SysenterEsp = 0x175;
    public const uint SysenterEip = 0x176;
    public const uint MiscEnable = 0x1A0;
    public const uint MtrrDefType = 0x2FF;
    public const uint Star = 0xC000_0081;
    public const uint Lstar = 0xC000_0082;
    public const uint Cstar = 0xC000_0083;
    public const uint SyscallMask = 0xC000_0084;
    public const uint KernelGsBase = 0xC000_0102;

    public const ulong MiscEnableFastString = 1;
    // IA32_MTRR_DEF_TYPE: E (bit 11) enables MTRRs, default memory type 6 = write-back.
    public const ulong MtrrDefTypeWriteBack = (1UL << 11) | 6;

    /// <summary>(index, value, required): a required MSR that KVM refuses fails the start.</summary>
    public static IReadOnlyList<(uint Index, ulong Value, bool Required)> Values { get; } =
    [
        (SysenterCs, 0, true),
        (SysenterEsp, 0, true),
        (SysenterEip, 0, true),
        (Star, 0, true),
        (Lstar, 0, true),
        (Cstar, 0, true),
        (KernelGsBase, 0, true),
        (SyscallMask, 0, true),
        (Tsc, 0, true),
        (MiscEnable, MiscEnableFastString, false),
        (MtrrDefType, MtrrDefTypeWriteBack, false),
    ];
}
