using Tmds.Linux;

namespace PSVmm.Engine.Devices.Block.Backend.Engines;

internal enum IoOpCode
{
    Readv,
    Writev,
    Fdatasync,
    Fallocate,
    /// <summary>BLKDISCARD ioctl on a block device (no io_uring opcode for it on older kernels).</summary>
    BlockDiscard,
}

/// <summary>
/// One system call an engine runs on an image fd. The iovec array and the buffers it points to
/// must stay valid until the engine reports the operation complete.
/// </summary>
internal readonly unsafe struct IoOperation(
    IoOpCode opCode, int fd, long offset, iovec* iov, int iovCount, long length, int fallocateMode, ulong token)
{
    public IoOpCode OpCode { get; } = opCode;
    public int Fd { get; } = fd;
    public long Offset { get; } = offset;
    public iovec* Iov { get; } = iov;
    public int IovCount { get; } = iovCount;
    public long Length { get; } = length;
    public int FallocateMode { get; } = fallocateMode;
    public ulong Token { get; } = token;

    public static IoOperation Readv(int fd, long offset, iovec* iov, int count, ulong token) =>
        new(IoOpCode.Readv, fd, offset, iov, count, 0, 0, token);

    public static IoOperation Writev(int fd, long offset, iovec* iov, int count, ulong token) =>
        new(IoOpCode.Writev, fd, offset, iov, count, 0, 0, token);

    public static IoOperation Fdatasync(int fd, ulong token) =>
        new(IoOpCode.Fdatasync, fd, 0, null, 0, 0, 0, token);

    public static IoOperation Fallocate(int fd, int mode, long offset, long length, ulong token) =>
        new(IoOpCode.Fallocate, fd, offset, null, 0, length, mode, token);

    public static IoOperation BlockDiscard(int fd, long offset, long length, ulong token) =>
        new(IoOpCode.BlockDiscard, fd, offset, null, 0, length, 0, token);
}
