using PSVmm.Engine.Native;

namespace PSVmm.Engine.Devices.Block.Backend;

/// <summary>Opening an image file or block device, with errno mapped to actionable exceptions.</summary>
internal static class ImageFile
{
    /// <summary>Opens the image (O_RDONLY or O_RDWR, O_DIRECT for cache mode None); errors become exceptions that say what to do.</summary>
    public static int Open(BlockBackendOptions options)
    {
        int flags = (options.ReadOnly ? LibCShim.O_RDONLY : LibCShim.O_RDWR) | LibCShim.O_CLOEXEC;
        if (options.CacheMode == BlockCacheMode.None)
        {
            flags |= LibCShim.O_DIRECT;
        }

        int fd = LibCShim.open(options.Path, flags, 0);
        if (fd >= 0)
        {
            return fd;
        }

        int errno = LibCShim.LastErrno;
        string path = options.Path;
        throw errno switch
        {
            2 => new FileNotFoundException($"The disk image '{path}' does not exist.", path),
            Errno.EACCES or Errno.EPERM => new UnauthorizedAccessException(
                $"No permission to open the disk image '{path}'{(options.ReadOnly ? "" : " for writing; try -ReadOnly")}."),
            Errno.EROFS => new IOException($"The disk image '{path}' is on a read-only file system; open it with -ReadOnly."),
            Errno.EINVAL when options.CacheMode == BlockCacheMode.None => new IOException(
                $"The file system of '{path}' does not support O_DIRECT (cache mode None); use cache mode Writeback."),
            _ => new IOException($"Opening the disk image '{path}' failed: {Errno.Describe(errno)}."),
        };
    }
}
