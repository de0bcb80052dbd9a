using System.Text;
using PSVmm.Engine.Native;
using Tmds.Linux;

namespace PSVmm.Engine.Devices.Block.Backend;

/// <summary>Opening an image file or block device, with errno mapped to actionable exceptions.</summary>
internal static unsafe class ImageFile
{
    /// <summary>Opens the image (O_RDONLY or O_RDWR, O_DIRECT for cache mode None); errors become exceptions that say what to do.</summary>
    public static int Open(BlockBackendOptions options)
    {
        int flags = (options.ReadOnly ? LibC.O_RDONLY : LibC.O_RDWR) | LibC.O_CLOEXEC;
        if (options.CacheMode == BlockCacheMode.None)
            flags |= LibC.O_DIRECT;

        int fd = OpenPath(options.Path, flags);
        if (fd >= 0)
        {
            return fd;
        }

        int errno = LibC.errno;
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

    private static int OpenPath(string path, int flags)
    {
        fixed (byte* p = Encoding.UTF8.GetBytes(path + "\0"))
        {
            return LibC.open(p, flags, 0);
        }
    }
}
