using PSVmm.Engine.Native;
using Tmds.Linux;

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
        // l_start 0 and l_len 0: to the end of the file, however it grows; l_pid must be 0 for OFD locks.
        var request = new flock { l_type = (short)(readOnly ? LibC.F_RDLCK : LibC.F_WRLCK) };

        while (LibC.fcntl(fd, LibC.F_OFD_SETLK, &request) < 0)
        {
            int errno = LibC.errno;
            if (errno == Errno.EINTR)
                continue;

            if (errno is Errno.EAGAIN or Errno.EACCES)
                throw new BlockImageLockedException(path, readOnly);

            if (errno == Errno.EINVAL)
            {
                // Kernel or filesystem without OFD locks (pre-3.15, some FUSE): run unguarded, as QEMU does.
                return;
            }

            throw new IOException($"Locking the disk image '{path}' failed: {Errno.Describe(errno)}.");
        }
    }
}
