using PSVmm.Engine.Bus;

namespace PSVmm.Engine.Pci;

/// <summary>
/// The contract between the PCI bus and one function. The bus routes configuration accesses
/// here; the BAR mapper listens to <see cref="MappingChanged"/> and maps each BAR's region on
/// the MMIO or port I/O bus while the matching decode bit is set.
/// </summary>
public interface IPciDevice
{
    /// <summary>Short name used in bus range names and snapshots (e.g. "virtio-blk0").</summary>
    string Name { get; }

    /// <summary>The function's registers (the bus sets the multifunction bit; snapshots read it).</summary>
    PciConfigSpace Config { get; }

    /// <summary>A guest configuration read (any offset/width; never throws).</summary>
    void ReadConfig(int offset, Span<byte> data);

    /// <summary>A guest configuration write (any offset/width; never throws).</summary>
    void WriteConfig(int offset, ReadOnlySpan<byte> data);

    /// <summary>The BARs the function implements.</summary>
    IReadOnlyList<PciBarDefinition> Bars { get; }

    /// <summary>The region serving BAR <paramref name="index"/> (offsets relative to the BAR start), or null when the BAR is not implemented.</summary>
    IDeviceRegion? GetBarRegion(int index);

    /// <summary>Raised after the guest wrote a BAR register or toggled the command register's memory or I/O space enable.</summary>
    event EventHandler<PciMappingChangedEventArgs>? MappingChanged;
}

/// <summary>What changed: a BAR register (<see cref="BarIndex"/> &gt;= 0) or the decode enables (<see cref="BarIndex"/> == -1).</summary>
public sealed class PciMappingChangedEventArgs(int barIndex, PciCommand command) : EventArgs
{
    /// <summary>The BAR whose register was written, or -1 when the command register's decode bits changed.</summary>
    public int BarIndex { get; } = barIndex;

    /// <summary>The command register after the write.</summary>
    public PciCommand Command { get; } = command;
}
