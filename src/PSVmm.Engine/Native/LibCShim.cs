using System.Runtime.InteropServices;
using Tmds.Linux;

namespace PSVmm.Engine.Native;

/// <summary>
/// The libc calls and kernel constants Tmds.LibC lacks: preadv/pwritev, statx into a struct with
/// the direct-I/O alignment fields, and a few linux/fs.h and linux/falloc.h values. Every call sets
/// the P/Invoke last error, read with <see cref="LibC.errno"/> right after a failing call.
/// </summary>
internal static unsafe class LibCShim
{
    private const string Lib = "libc";

    public const int FALLOC_FL_ZERO_RANGE = 0x10;

    // linux/fs.h block ioctls: _IO(0x12, n) and _IOR(0x12, 114, size_t).
    public const int BLKSSZGET = 0x1268;
    public const int BLKDISCARD = 0x1277;
    public const int BLKGETSIZE64 = unchecked((int)0x80081272);

    public const uint STATX_DIOALIGN = 0x2000;

    [DllImport(Lib, SetLastError = true)]
    public static extern nint preadv(int fd, iovec* iov, int iovcnt, long offset);

    [DllImport(Lib, SetLastError = true)]
    public static extern nint pwritev(int fd, iovec* iov, int iovcnt, long offset);

    [DllImport(Lib, SetLastError = true)]
    public static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, Statx* buffer);
}
