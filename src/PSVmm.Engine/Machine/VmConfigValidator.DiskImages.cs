using PSVmm.Engine.Devices.Block;

namespace PSVmm.Engine.Machine;

/// <summary>The checks of a disk's image file: there, a file or block device, whole sectors, and not given read-write twice.</summary>
public static partial class VmConfigValidator
{
    private static DiskImageFile CheckImage(VirtioBlkPciConfig disk)
    {
        string path = disk.Disk.Path;
        if (DiskImageFile.Stat(path) is not { } image)
        {
            throw new VmException("DiskImageNotFound", VmErrorCategory.ObjectNotFound,
                $"Disk '{disk.Id}': the image '{path}' does not exist. Create it first (for example with truncate -s 1G) or check the path.")
            { TargetValue = path };
        }

        if (image.IsDirectory)
        {
            throw new VmException("DiskImageNotFound", VmErrorCategory.InvalidArgument,
                $"Disk '{disk.Id}': '{path}' is a directory, not a disk image file. Give the path of an image file.")
            { TargetValue = path };
        }

        // A block device's size comes from the device when it is opened; only a file's can be checked here.
        if (!image.IsBlockDevice && (image.Size == 0 || image.Size % VirtioBlkSetup.SectorSize != 0))
        {
            string what = image.Size == 0 ? "is empty (0 bytes)" : $"is {image.Size} bytes, not a multiple of {VirtioBlkSetup.SectorSize}";
            throw new VmException("InvalidDiskImageSize", VmErrorCategory.InvalidData,
                $"Disk '{disk.Id}': the image '{path}' {what}; a virtio-blk disk is made of whole {VirtioBlkSetup.SectorSize}-byte sectors. "
                + $"Give it a size that is a multiple of {VirtioBlkSetup.SectorSize} bytes, for example with truncate -s 1G.")
            { TargetValue = path };
        }

        return image;
    }

    /// <summary>One image may back several disks only when none of them writes to it (the guest's caches would disagree and corrupt it).</summary>
    private static void CheckNotUsedTwice(List<(VirtioBlkPciConfig Disk, int Slot, int Function, DiskImageFile? Image)> placed, VirtioBlkPciConfig disk, DiskImageFile image)
    {
        foreach (var other in placed)
        {
            if (other.Image is not { } otherImage || !otherImage.IsSameFile(image) || (disk.Disk.ReadOnly && other.Disk.Disk.ReadOnly))
                continue;
            throw new VmException("DiskImageInUse", VmErrorCategory.ResourceExists,
                $"Disk '{disk.Id}': the image '{disk.Disk.Path}' is already disk '{other.Disk.Id}' of this VM, and at least one of them is read-write. "
                + "An image can be shared only by read-only disks: add both with -ReadOnly, or use a copy of the image.")
            { TargetValue = disk.Disk.Path };
        }
    }
}
