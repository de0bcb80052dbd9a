using System.Runtime.InteropServices;

namespace PSVmm.Engine.Native;

/// <summary>The io_uring kernel ABI (include/uapi/linux/io_uring.h) the engine uses.</summary>
internal static unsafe class IoUringAbi
{
    // x86_64 and aarch64 share these numbers (generic syscall table, 425-427).
    public const long SYS_io_uring_setup = 425;
    public const long SYS_io_uring_enter = 426;
    public const long SYS_io_uring_register = 427;

    public const long IORING_OFF_SQ_RING = 0;
    public const long IORING_OFF_CQ_RING = 0x8000000;
    public const long IORING_OFF_SQES = 0x10000000;

    public const uint IORING_FEAT_SINGLE_MMAP = 1 << 0;
    public const uint IORING_FEAT_NODROP = 1 << 1;

    public const uint IORING_ENTER_GETEVENTS = 1 << 0;

    public const uint IORING_REGISTER_EVENTFD = 4;

    public const byte IORING_OP_READV = 1;
    public const byte IORING_OP_WRITEV = 2;
    public const byte IORING_OP_FSYNC = 3;
    public const byte IORING_OP_FALLOCATE = 17;

    public const uint IORING_FSYNC_DATASYNC = 1 << 0;

    public const int PROT_READ = 0x1;
    public const int PROT_WRITE = 0x2;
    public const int MAP_SHARED = 0x01;
    public const int MAP_POPULATE = 0x8000;

    public static int Setup(uint entries, IoUringParams* p) =>
        (int)LibCShim.syscall(SYS_io_uring_setup, entries, (long)p, 0, 0, 0, 0);

    public static int Enter(int fd, uint toSubmit, uint minComplete, uint flags) =>
        (int)LibCShim.syscall(SYS_io_uring_enter, fd, toSubmit, minComplete, flags, 0, 0);

    public static int Register(int fd, uint opcode, void* arg, uint count) =>
        (int)LibCShim.syscall(SYS_io_uring_register, fd, opcode, (long)arg, count, 0, 0);
}

[StructLayout(LayoutKind.Sequential)]
internal struct IoSqringOffsets
{
    public uint Head, Tail, RingMask, RingEntries, Flags, Dropped, Array, Resv1;
    public ulong UserAddr;
}

[StructLayout(LayoutKind.Sequential)]
internal struct IoCqringOffsets
{
    public uint Head, Tail, RingMask, RingEntries, Overflow, Cqes, Flags, Resv1;
    public ulong UserAddr;
}

/// <summary>struct io_uring_params: 120 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoUringParams
{
    public uint SqEntries;
    public uint CqEntries;
    public uint Flags;
    public uint SqThreadCpu;
    public uint SqThreadIdle;
    public uint Features;
    public uint WqFd;
    public fixed uint Resv[3];
    public IoSqringOffsets SqOff;
    public IoCqringOffsets CqOff;
}

/// <summary>struct io_uring_sqe: 64 bytes; the unions are reduced to the members used here.</summary>
[StructLayout(LayoutKind.Explicit, Size = 64)]
internal struct IoUringSqe
{
    [FieldOffset(0)] public byte Opcode;
    [FieldOffset(1)] public byte Flags;
    [FieldOffset(2)] public ushort IoPrio;
    [FieldOffset(4)] public int Fd;
    [FieldOffset(8)] public ulong Off;
    [FieldOffset(16)] public ulong Addr;
    [FieldOffset(24)] public uint Len;
    [FieldOffset(28)] public uint OpFlags;
    [FieldOffset(32)] public ulong UserData;
}

/// <summary>struct io_uring_cqe: 16 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct IoUringCqe
{
    public ulong UserData;
    public int Res;
    public uint Flags;
}
