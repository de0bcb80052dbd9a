using PSVmm.Engine.Native;
using Tmds.Linux;

namespace PSVmm.Engine.Machine;

/// <summary>
/// What the validator learns about a disk image path before any machine opens it: whether it is a
/// directory or a block device, its size, and which file it is (device and inode), so one image
/// named by two paths is still recognized.
/// </summary>
internal readonly record struct DiskImageFile(bool IsDirectory, bool IsBlockDevice, long Size, ulong Device, ulong Inode)
{
    /// <summary>The file at <paramref name="path"/> (symbolic links followed), or null when there is none.</summary>
    public static unsafe DiskImageFile? Stat(string path)
    {
        var sx = default(Statx);
        if (LibCShim.statx(LibC.AT_FDCWD, path, 0, LibC.STATX_TYPE | LibC.STATX_SIZE | LibC.STATX_INO, &sx) < 0)
            return null;
        mode_t type = sx.Mode & LibC.S_IFMT;
        return new DiskImageFile(type == LibC.S_IFDIR, type == LibC.S_IFBLK, (long)sx.Size,
            ((ulong)sx.DevMajor << 32) | sx.DevMinor, sx.Ino);
    }

    public bool IsSameFile(DiskImageFile other) => Device == other.Device && Inode == other.Inode;
}
