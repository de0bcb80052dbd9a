using PSVmm.Engine.Devices.Block;

namespace PSVmm.Engine.Machine;

/// <summary>
/// One virtio-blk-pci disk of a <see cref="VmConfig"/>: the disk's options and where it sits on
/// PCI bus 0. <see cref="Slot"/> null: the next free slot at start.
/// </summary>
public sealed record VirtioBlkPciConfig(BlockDeviceOptions Disk)
{
    /// <summary>PCI device number 1-31 (0 is the host bridge); null for the next free one.</summary>
    public int? Slot { get; init; }

    /// <summary>PCI function 0-7; a function above 0 needs function 0 of the same slot.</summary>
    public int Function { get; init; }

    /// <summary>Also offer the legacy (virtio 0.9.5) interface through an I/O BAR (virtio 1.2 §4.1.4.10).</summary>
    public bool Transitional { get; init; }

    /// <summary>The disk's id (its <see cref="BlockDeviceOptions.Id"/>).</summary>
    public string Id => Disk.Id;

    /// <summary>"00:SS.F", or null when the slot is chosen at start.</summary>
    public string? PciAddress => Slot is int s ? Pci.PciAddress.Format(0, s, Function) : null;

    /// <summary>"disk0: /images/root.img at 00:05.0".</summary>
    public override string ToString() => $"{Disk}{(PciAddress is { } address ? $" at {address}" : "")}";
}
