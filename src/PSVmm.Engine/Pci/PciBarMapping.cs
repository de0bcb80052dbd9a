namespace PSVmm.Engine.Pci;

/// <summary>A BAR region currently mapped on the MMIO or port I/O bus.</summary>
public sealed record PciBarMapping(IPciDevice Device, int BarIndex, PciBarKind Kind, ulong Address, ulong Size)
{
    public ulong End => Address + Size;
}

/// <summary>A guest BAR placement the mapper refused; the BAR kept its previous mapping (<paramref name="KeptAddress"/>) or stayed unmapped (null).</summary>
public sealed record PciBarRefusal(string Device, int BarIndex, ulong RequestedAddress, ulong? KeptAddress, string Reason);
