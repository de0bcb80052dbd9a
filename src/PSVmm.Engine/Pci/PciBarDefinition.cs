namespace PSVmm.Engine.Pci;

/// <summary>What a base address register decodes (PCI Local Bus 3.0 §6.2.5.1).</summary>
public enum PciBarKind
{
    /// <summary>32-bit memory BAR: type bits 00, one register.</summary>
    Memory32,
    /// <summary>64-bit memory BAR: type bits 10, occupies this register and the next.</summary>
    Memory64,
    /// <summary>I/O space BAR: bit 0 set.</summary>
    Io,
}

/// <summary>A BAR a function implements: its register index (0-5), kind, size (a power of two) and prefetchable flag.</summary>
public sealed record PciBarDefinition(int Index, PciBarKind Kind, ulong Size, bool Prefetchable)
{
    public bool Is64Bit => Kind == PciBarKind.Memory64;

    public bool IsMemory => Kind != PciBarKind.Io;

    /// <summary>Smallest memory BAR accepted: one page, so every BAR can be mapped (and later given to KVM) on its own.</summary>
    public const ulong MinMemorySize = 0x1000;

    /// <summary>I/O BARs: at least 4 bytes (§6.2.5.1); at most 256 bytes (§6.2.5.1 note on I/O space usage).</summary>
    public const ulong MinIoSize = 4;
    public const ulong MaxIoSize = 256;

    /// <summary>The read-only low bits of the BAR register: space indicator, type, prefetchable.</summary>
    public uint TypeBits => Kind switch
    {
        PciBarKind.Io => 0x1,
        PciBarKind.Memory64 => 0x4u | (Prefetchable ? 0x8u : 0u),
        _ => Prefetchable ? 0x8u : 0u,
    };

    /// <summary>Low bits of the register that are not address bits.</summary>
    public uint FlagMask => Kind == PciBarKind.Io ? 0x3u : 0xFu;
}
