using PSVmm.Engine.Platform;

namespace PSVmm.Engine.Pci;

/// <summary>
/// The address windows BARs may occupy: the 32-bit MMIO window below 4 GiB, an optional 64-bit
/// MMIO window (above RAM, within the guest's physical address width; size 0 = none) and the
/// port I/O window. The DSDT host bridge _CRS must describe the same windows.
/// </summary>
public sealed record PciWindows(
    ulong Mmio32Start,
    ulong Mmio32Size,
    ulong Mmio64Start,
    ulong Mmio64Size,
    ulong IoStart,
    ulong IoSize)
{
    /// <summary>Port I/O for BARs: 0xC000-0xFFFF, above every legacy ISA port.</summary>
    public const ulong DefaultIoStart = 0xC000;
    public const ulong DefaultIoSize = 0x4000;

    /// <summary>MemoryLayout's 32-bit window, the default I/O window and, when given, a 64-bit window.</summary>
    public static PciWindows Default(ulong mmio64Start = 0, ulong mmio64Size = 0) =>
        new(MemoryLayout.PciMmio32Start, MemoryLayout.PciMmio32Size, mmio64Start, mmio64Size, DefaultIoStart, DefaultIoSize);

    /// <summary>True when [address, address + size) lies wholly inside a window a BAR of this kind may use.</summary>
    public bool Contains(PciBarKind kind, ulong address, ulong size) => kind switch
    {
        PciBarKind.Io => Inside(IoStart, IoSize, address, size),
        PciBarKind.Memory32 => Inside(Mmio32Start, Mmio32Size, address, size),
        _ => Inside(Mmio32Start, Mmio32Size, address, size) || Inside(Mmio64Start, Mmio64Size, address, size),
    };

    private static bool Inside(ulong start, ulong length, ulong address, ulong size) =>
        size != 0 && length != 0 && address >= start && size <= length && address - start <= length - size;
}
