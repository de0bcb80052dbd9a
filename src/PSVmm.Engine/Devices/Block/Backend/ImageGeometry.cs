using PSVmm.Engine.Native;
using Tmds.Linux;

namespace PSVmm.Engine.Devices.Block.Backend;

/// <summary>
/// What the backend learns about an open image: its size, whether it is a block device, and
/// the alignment O_DIRECT needs for file offsets/lengths and for memory addresses.
/// </summary>
internal readonly record struct ImageGeometry(long Size, bool IsBlockDevice, int LogicalBlockSize, int DirectOffsetAlign, int DirectMemoryAlign)
{
    private const int FileSectorSize = 512;
    private const int FallbackDirectAlign = 4096;

    public static unsafe ImageGeometry Probe(int fd, string path)
    {
        var sx = default(Statx);
        if (LibCShim.statx(fd, "", LibC.AT_EMPTY_PATH, LibC.STATX_TYPE | LibC.STATX_SIZE | LibCShim.STATX_DIOALIGN, &sx) < 0)
            throw new IOException($"statx on '{path}' failed: {Errno.Describe(LibC.errno)}.");

        mode_t type = sx.Mode & LibC.S_IFMT;
        if (type == LibC.S_IFBLK)
        {
            ulong bytes;
            int sector;
            if (LibC.ioctl(fd, LibCShim.BLKGETSIZE64, &bytes) < 0 || LibC.ioctl(fd, LibCShim.BLKSSZGET, &sector) < 0)
                throw new IOException($"Querying the block device '{path}' failed: {Errno.Describe(LibC.errno)}.");

            // A device's logical block size is what O_DIRECT requires of offsets, lengths and (safely) addresses.
            return new ImageGeometry((long)bytes, true, sector, sector, sector);
        }

        if (type != LibC.S_IFREG)
            throw new IOException($"'{path}' is neither a regular file nor a block device.");

        // STATX_DIOALIGN (Linux 6.1): zero alignments mean the file does not support O_DIRECT.
        bool known = (sx.Mask & LibCShim.STATX_DIOALIGN) != 0 && sx.DioOffsetAlign != 0;
        int offsetAlign = known ? (int)sx.DioOffsetAlign : FallbackDirectAlign;
        int memoryAlign = known ? (int)Math.Max(sx.DioMemAlign, 1) : FallbackDirectAlign;
        return new ImageGeometry((long)sx.Size, false, FileSectorSize, offsetAlign, memoryAlign);
    }
}
