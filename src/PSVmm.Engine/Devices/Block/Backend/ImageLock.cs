using PSVmm.Engine.Native;

namespace PSVmm.Engine.Devices.Block.Backend;

/// <summary>
/// Guards an image against two writers: an open file description (OFD) lock over the whole file,
/// exclusive for read-write opens and shared for read-only ones (the mechanism QEMU uses).
/// OFD locks belong to the open file description, so a second open in the same process
/// conflicts just like one from another process, and they conflict with classic POSIX
/// (fcntl F_SETLK / lockf) locks too. The lock goes away when the fd is closed.
/// </summary>
internal static unsafe class ImageLock
{
    /// <summary>Takes the lock on <paramref name="fd"/> or throws <see cref="BlockImageLockedException"/>.</summary>
    public static void Acquire(int fd, string path, bool readOnly)
    {
        var request = new Flock
        {
            Type = readOnly ? LibCShim.F_RDLCK : LibCShim.F_WRLCK,
            Whence = 0,
            Start = 0,
            Length = 0, // to the end of the file, however it grows
            Pid = 0,
        };

        while (LibCShim.fcntl(fd, LibCShim.F_OFD_SETLK, &request) < 0)
        {
            int errno = LibCShim.LastErrno;
            if (errno == Errno.EINTR)
            {
                continue;
            }

            if (errno is Errno.EAGAIN or Errno.EACCES)
            {
                throw new BlockImageLockedException(path, readOnly);
            }

            if (errno == Errno.EINVAL)
            {
                // Kernel or filesystem without OFD locks (pre-3.15, some FUSE): run unguarded, as QEMU does.
                return;
            }

            throw new IOException($"Locking the disk image '{path}' failed: {Errno.Describe(errno)}.");
        }
    }
}
