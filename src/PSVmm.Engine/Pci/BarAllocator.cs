namespace PSVmm.Engine.Pci;

/// <summary>
/// Firmware-style BAR placement (there is no BIOS; Linux keeps what it finds). Every BAR is
/// naturally aligned (PCI Local Bus 3.0 §6.2.5.1 requires alignment to its size). 32-bit memory
/// BARs go to the 32-bit window; 64-bit BARs go to the 64-bit window when one exists and has
/// room, else to the 32-bit window; I/O BARs to the I/O window.
/// </summary>
public sealed class BarAllocator
{
    private readonly AddressWindowAllocator _mmio32;
    private readonly AddressWindowAllocator _mmio64;
    private readonly AddressWindowAllocator _io;

    public BarAllocator(PciWindows windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        Windows = windows;
        _mmio32 = new AddressWindowAllocator(windows.Mmio32Start, windows.Mmio32Size);
        _mmio64 = new AddressWindowAllocator(windows.Mmio64Start, windows.Mmio64Size);
        _io = new AddressWindowAllocator(windows.IoStart, windows.IoSize);
    }

    public PciWindows Windows { get; }

    /// <summary>An address for <paramref name="bar"/>, or null when its windows are full.</summary>
    public ulong? TryAllocate(PciBarDefinition bar)
    {
        ArgumentNullException.ThrowIfNull(bar);
        return bar.Kind switch
        {
            PciBarKind.Io => _io.TryAllocate(bar.Size, bar.Size),
            PciBarKind.Memory32 => _mmio32.TryAllocate(bar.Size, bar.Size),
            _ => _mmio64.TryAllocate(bar.Size, bar.Size) ?? _mmio32.TryAllocate(bar.Size, bar.Size),
        };
    }

    public ulong Allocate(PciBarDefinition bar) =>
        TryAllocate(bar) ?? throw new InvalidOperationException($"No room for a 0x{bar.Size:x}-byte {bar.Kind} BAR in the PCI windows.");
}
