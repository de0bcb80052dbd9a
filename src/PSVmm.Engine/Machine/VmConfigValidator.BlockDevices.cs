using PSVmm.Engine.Pci;

namespace PSVmm.Engine.Machine;

/// <summary>The checks of <see cref="VmConfig.BlockDevices"/>: ids, images, options and PCI addresses.</summary>
public static partial class VmConfigValidator
{
    /// <summary>
    /// Checks every disk in order, each against the ones before it, as the machine will place them:
    /// an explicit address takes that slot/function; a disk without one takes the first slot whose
    /// functions are all free at that point (PCI bus 0, slot 0 is the host bridge).
    /// </summary>
    public static void ValidateBlockDevices(IReadOnlyList<VirtioBlkPciConfig>? disks)
    {
        if (disks is null)
            return;
        var placed = new List<(VirtioBlkPciConfig Disk, int Slot, int Function, DiskImageFile? Image)>();
        foreach (var disk in disks)
            placed.Add(CheckDisk(placed, disk));
    }

    /// <summary>
    /// Checks <paramref name="added"/> as the next disk after <paramref name="existing"/> (which are
    /// taken as valid): what Add-VirtioBlkPci runs before it adds a disk to a configuration.
    /// </summary>
    public static void ValidateNewBlockDevice(IReadOnlyList<VirtioBlkPciConfig> existing, VirtioBlkPciConfig added)
    {
        ArgumentNullException.ThrowIfNull(existing);
        var placed = new List<(VirtioBlkPciConfig Disk, int Slot, int Function, DiskImageFile? Image)>();
        foreach (var disk in existing)
        {
            if (disk?.Disk is null)
                continue;
            var (slot, function) = Place(placed, disk);
            placed.Add((disk, slot, function, DiskImageFile.Stat(disk.Disk.Path)));
        }
        CheckDisk(placed, added);
    }

    private static (VirtioBlkPciConfig, int, int, DiskImageFile?) CheckDisk(List<(VirtioBlkPciConfig Disk, int Slot, int Function, DiskImageFile? Image)> placed, VirtioBlkPciConfig? disk)
    {
        if (disk?.Disk is null)
            throw Invalid("InvalidDiskOptions", "A disk entry is empty. Add disks with Add-VirtioBlkPci.");
        string id = disk.Id;
        if (placed.FirstOrDefault(p => string.Equals(p.Disk.Id, id, StringComparison.OrdinalIgnoreCase)).Disk is not null)
        {
            throw new VmException("DriveIdInUse", VmErrorCategory.ResourceExists,
                $"The VM already has a disk with id '{id}'. Give this disk another -Id.")
            { TargetValue = id };
        }

        if (disk.Disk.Throttle?.Validate(id) is { Count: > 0 } limitProblems)
            throw Invalid("InvalidDiskLimits", string.Join(" ", limitProblems));

        var problems = disk.Disk.Validate();
        if (problems.Count > 0)
            throw Invalid("InvalidDiskOptions", string.Join(" ", problems));

        var image = CheckImage(disk);
        CheckNotUsedTwice(placed, disk, image);

        CheckAddressRange(disk);
        var (slot, function) = Place(placed, disk);
        if (placed.FirstOrDefault(p => p.Slot == slot && p.Function == function).Disk is { } other)
        {
            throw new VmException("PciAddressInUse", VmErrorCategory.ResourceExists,
                $"Disk '{id}': PCI address {PciAddress.Format(0, slot, function)} is already used by disk '{other.Id}'"
                + (other.Slot is null ? " (which was given the next free slot)" : "")
                + ". Choose another -PciAddress.")
            { TargetValue = PciAddress.Format(0, slot, function) };
        }

        if (function > 0 && !placed.Any(p => p.Slot == slot && p.Function == 0))
        {
            throw Invalid("InvalidPciAddress",
                $"Disk '{id}': PCI function {function} of slot {slot:x2} needs a function 0 in the same slot (PCI Local Bus 3.0 §6.2.1, multi-function devices). Add the disk at {PciAddress.Format(0, slot, 0)} first.");
        }

        return (disk, slot, function, image);
    }

    private static void CheckAddressRange(VirtioBlkPciConfig disk)
    {
        if (disk.Slot is int s && (s < 1 || s > PciAddress.MaxDevice))
        {
            throw Invalid("InvalidPciAddress",
                $"Disk '{disk.Id}': PCI slot {s} is out of range. Use a slot from 1 to {PciAddress.MaxDevice} (0x01-0x1f); slot 0 is the host bridge.");
        }

        if (disk.Function < 0 || disk.Function > PciAddress.MaxFunction)
        {
            throw Invalid("InvalidPciAddress",
                $"Disk '{disk.Id}': PCI function {disk.Function} is out of range. Use a function from 0 to {PciAddress.MaxFunction}.");
        }
    }

    /// <summary>Where the machine puts <paramref name="disk"/> after <paramref name="placed"/> (the bus's rule, <see cref="PciSlotPlacement"/>).</summary>
    private static (int Slot, int Function) Place(List<(VirtioBlkPciConfig Disk, int Slot, int Function, DiskImageFile? Image)> placed, VirtioBlkPciConfig disk)
    {
        if (disk.Slot is int slot)
            return (slot, disk.Function);
        if (PciSlotPlacement.FirstFreeSlot(s => placed.Any(p => p.Slot == s)) is int free)
            return (free, disk.Function);
        throw new VmException("PciAddressInUse", VmErrorCategory.ResourceExists,
            $"Disk '{disk.Id}': no free PCI slot is left on bus 0 (slots 1 to {PciAddress.MaxDevice} are taken). Remove a disk or put disks into functions of one slot.");
    }
}
