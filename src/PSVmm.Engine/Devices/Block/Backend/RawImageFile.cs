using System.Text;
using PSVmm.Engine.Native;
using Tmds.Linux;

namespace PSVmm.Engine.Devices.Block.Backend;

/// <summary>
/// A raw image file opened read-write under the same exclusive lock a running disk takes
/// (<see cref="ImageLock"/>), for creating, resizing and preallocating it: while this is open no
/// VM can open the image, and an image a VM or another process has open cannot be opened here.
/// </summary>
internal sealed unsafe class RawImageFile : IDisposable
{
    private int _fd;

    private RawImageFile(int fd, string path)
    {
        _fd = fd;
        Path = path;
    }

    public string Path { get; }

    /// <summary>
    /// Creates <paramref name="path"/> empty, or with <paramref name="overwrite"/> empties an existing
    /// file, but only once it holds the lock. Throws IOException (the file exists without
    /// overwrite: <see cref="ImageFileExistsException"/>) or <see cref="BlockImageLockedException"/>.
    /// </summary>
    public static RawImageFile Create(string path, bool overwrite)
    {
        int flags = LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC | (overwrite ? 0 : LibC.O_EXCL);
        var image = Open(path, flags);
        try
        {
            image.SetLength(0);
            return image;
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    /// <summary>Opens an existing image; throws FileNotFoundException, IOException or <see cref="BlockImageLockedException"/>.</summary>
    public static RawImageFile OpenExisting(string path) => Open(path, LibC.O_RDWR | LibC.O_CLOEXEC);

    public long Length => (long)Stat(LibC.STATX_SIZE).Size;

    /// <summary>The bytes the file system has allocated to the image (less than its length while it is sparse).</summary>
    public long AllocatedBytes => (long)Stat(LibC.STATX_BLOCKS).Blocks * 512;

    public void SetLength(long length)
    {
        if (LibC.ftruncate(_fd, length) < 0)
            throw Failure($"Setting the size of '{Path}' to {length} bytes failed", LibC.errno);
    }

    /// <summary>Allocates [offset, offset + length) so that writes there never find the file system full.</summary>
    public void Preallocate(long offset, long length)
    {
        int result;
        do
        {
            result = LibC.fallocate(_fd, 0, offset, length);
        }
        while (result < 0 && LibC.errno == Errno.EINTR);

        if (result < 0)
        {
            int errno = LibC.errno;
            if (errno == Errno.EOPNOTSUPP)
                throw new NotSupportedException($"The file system of '{Path}' cannot preallocate space (fallocate is not supported there); leave the image sparse.");
            throw Failure($"Preallocating {length} bytes at offset {offset} of '{Path}' failed", errno);
        }
    }

    public void Dispose()
    {
        if (_fd >= 0)
        {
            LibC.close(_fd);
            _fd = -1;
        }
    }

    private static RawImageFile Open(string path, int flags)
    {
        int fd;
        fixed (byte* p = Encoding.UTF8.GetBytes(path + "\0"))
            fd = LibC.open(p, flags, 420 /* 0644 */);
        if (fd < 0)
        {
            int errno = LibC.errno;
            throw errno switch
            {
                2 => new FileNotFoundException($"'{path}' does not exist, or its folder does not.", path),
                17 => new ImageFileExistsException(path),
                Errno.EACCES or Errno.EPERM => new UnauthorizedAccessException($"No permission to write '{path}'."),
                _ => Failure($"Opening '{path}' failed", errno),
            };
        }

        var image = new RawImageFile(fd, path);
        try
        {
            ImageLock.Acquire(fd, path, readOnly: false);
            return image;
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    private Statx Stat(uint mask)
    {
        Statx sx;
        if (LibCShim.statx(_fd, "", LibC.AT_EMPTY_PATH, mask, &sx) < 0)
            throw Failure($"Reading the size of '{Path}' failed", LibC.errno);
        return sx;
    }

    private static IOException Failure(string what, int errno) =>
        errno == Errno.ENOSPC
            ? new IOException($"{what}: the file system is full.")
            : new IOException($"{what}: {Errno.Describe(errno)}.");
}
