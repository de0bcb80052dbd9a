using System.Runtime.InteropServices;

namespace PSVmm.Engine.Native;

/// <summary>
/// The libc calls the block backend makes. Every call sets the P/Invoke last error, read with
/// <see cref="LastErrno"/> right after a failing call (never after another P/Invoke).
/// </summary>
internal static unsafe class LibCShim
{
    private const string Lib = "libc";

    public const int O_RDONLY = 0;
    public const int O_RDWR = 2;
    public const int O_CLOEXEC = 0x80000;
    public const int O_DIRECT = 0x4000;

    public const int SEEK_END = 2;

    public const int F_OFD_GETLK = 36;
    public const int F_OFD_SETLK = 37;
    public const short F_RDLCK = 0;
    public const short F_WRLCK = 1;
    public const short F_UNLCK = 2;

    public const int FALLOC_FL_KEEP_SIZE = 0x01;
    public const int FALLOC_FL_PUNCH_HOLE = 0x02;
    public const int FALLOC_FL_ZERO_RANGE = 0x10;

    public const int EFD_CLOEXEC = 0x80000;
    public const int EFD_NONBLOCK = 0x800;

    public const short POLLIN = 0x1;

    public const uint S_IFMT = 0xF000;
    public const uint S_IFBLK = 0x6000;
    public const uint S_IFREG = 0x8000;

    // linux/fs.h block ioctls: _IO(0x12, n) and _IOR(0x12, 114, size_t).
    public const uint BLKSSZGET = 0x1268;
    public const uint BLKDISCARD = 0x1277;
    public const uint BLKZEROOUT = 0x127f;
    public const uint BLKGETSIZE64 = 0x80081272;

    public const int AT_FDCWD = -100;
    public const int AT_EMPTY_PATH = 0x1000;
    public const uint STATX_TYPE = 0x1;
    public const uint STATX_SIZE = 0x200;
    public const uint STATX_BLOCKS = 0x400;
    public const uint STATX_DIOALIGN = 0x2000;

    public static int LastErrno => Marshal.GetLastPInvokeError();

    [DllImport(Lib, SetLastError = true)]
    public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mode);

    [DllImport(Lib, SetLastError = true)]
    public static extern int close(int fd);

    [DllImport(Lib, SetLastError = true)]
    public static extern long lseek(int fd, long offset, int whence);

    [DllImport(Lib, SetLastError = true)]
    public static extern nint preadv(int fd, Iovec* iov, int iovcnt, long offset);

    [DllImport(Lib, SetLastError = true)]
    public static extern nint pwritev(int fd, Iovec* iov, int iovcnt, long offset);

    [DllImport(Lib, SetLastError = true)]
    public static extern int fdatasync(int fd);

    [DllImport(Lib, SetLastError = true)]
    public static extern int fallocate(int fd, int mode, long offset, long length);

    [DllImport(Lib, SetLastError = true)]
    public static extern int ioctl(int fd, nuint request, void* arg);

    [DllImport(Lib, SetLastError = true)]
    public static extern int fcntl(int fd, int cmd, Flock* arg);

    [DllImport(Lib, SetLastError = true)]
    public static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, Statx* buffer);

    [DllImport(Lib, SetLastError = true)]
    public static extern int eventfd(uint initval, int flags);

    [DllImport(Lib, SetLastError = true)]
    public static extern nint read(int fd, void* buffer, nuint count);

    [DllImport(Lib, SetLastError = true)]
    public static extern nint write(int fd, void* buffer, nuint count);

    [DllImport(Lib, SetLastError = true)]
    public static extern int poll(PollFd* fds, nuint nfds, int timeoutMs);

    [DllImport(Lib, SetLastError = true)]
    public static extern void* mmap(void* addr, nuint length, int prot, int flags, int fd, long offset);

    [DllImport(Lib, SetLastError = true)]
    public static extern int munmap(void* addr, nuint length);

    [DllImport(Lib, SetLastError = true)]
    public static extern long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);
}

/// <summary>struct flock (x86_64/aarch64 layout); l_pid must be 0 for OFD locks.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Flock
{
    public short Type;
    public short Whence;
    public long Start;
    public long Length;
    public int Pid;
}

/// <summary>struct pollfd.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    public int Fd;
    public short Events;
    public short Revents;
}

/// <summary>
/// struct statx (linux/stat.h), the full 256 bytes the kernel may write; only the fields the
/// backend reads are named.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 256)]
internal struct Statx
{
    [FieldOffset(0x00)] public uint Mask;
    [FieldOffset(0x1c)] public ushort Mode;
    [FieldOffset(0x28)] public ulong Size;
    [FieldOffset(0x30)] public ulong Blocks;
    [FieldOffset(0x98)] public uint DioMemAlign;
    [FieldOffset(0x9c)] public uint DioOffsetAlign;
}
