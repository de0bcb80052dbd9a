using System.Runtime.InteropServices;
using Tmds.Linux;

namespace PSVmm.Engine.Native;

/// <summary>
/// The io_uring kernel ABI (include/uapi/linux/io_uring.h) the engine uses, called through
/// Tmds.LibC's syscall; Tmds.LibC's own io_uring structs are older than these.
/// </summary>
internal static unsafe class IoUringAbi
{
    // x86_64 and aarch64 share these numbers (generic syscall table, 425-427).
    public const int SYS_io_uring_setup = 425;
    public const int SYS_io_uring_enter = 426;
    public const int SYS_io_uring_register = 427;

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

    public static int Setup(uint entries, IoUringParams* p) =>
        (int)LibC.syscall(SYS_io_uring_setup, entries, p);

    // No signal mask (sig = NULL, sigsz = 0).
    public static int Enter(int fd, uint toSubmit, uint minComplete, uint flags) =>
        (int)LibC.syscall(SYS_io_uring_enter, fd, toSubmit, minComplete, flags, 0, 0);

    public static int Register(int fd, uint opcode, void* arg, uint count) =>
        (int)LibC.syscall(SYS_io_uring_register, fd, opcode, arg, count);
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
