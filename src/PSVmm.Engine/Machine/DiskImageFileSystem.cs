namespace PSVmm.Engine.Machine;

/// <summary>The file systems New-VmDiskImage can build in an image (through e2fsprogs).</summary>
public enum DiskImageFileSystem
{
    Ext4,
}
