namespace PSVmm.Engine.Boot;

/// <summary>How the boot vCPU starts.</summary>
public enum EntryMode
{
    /// <summary>32-bit protected mode, flat 4 GiB code and data segments, paging off (multiboot, PVH).</summary>
    Protected32,
    /// <summary>64-bit long mode with the loader's GDT and identity-mapped page tables (Linux 64-bit boot protocol).</summary>
    Long64,
}

/// <summary>
/// The register state a loader asks for on the boot vCPU. For <see cref="EntryMode.Long64"/> the
/// loader has already written the GDT at <see cref="GdtBase"/> (code selector 0x10, data 0x18,
/// as the Linux boot protocol expects) and page tables at <see cref="Cr3"/>.
/// </summary>
public sealed record EntryState(EntryMode Mode, ulong Rip)
{
    public ulong Rax { get; init; }
    public ulong Rbx { get; init; }
    public ulong Rsi { get; init; }
    public ulong Rsp { get; init; }
    public ulong Cr3 { get; init; }
    public ulong GdtBase { get; init; }
    public ushort GdtLimit { get; init; }
    public ushort CodeSelector { get; init; } = 0x10;
    public ushort DataSelector { get; init; } = 0x18;
}
