using PSVmm.Engine.Native;
using Tmds.Linux;

namespace PSVmm.Engine.Devices.Block.Backend.Engines;

/// <summary>Runs one <see cref="IoOperation"/> as a blocking system call (worker threads).</summary>
internal static unsafe class SyncIo
{
    /// <summary>The call's result, or a negative errno. EINTR is retried here.</summary>
    public static long Execute(in IoOperation op)
    {
        if (!Enum.IsDefined(op.OpCode))
            return -Errno.EINVAL;

        while (true)
        {
            long result = Run(op);
            if (result >= 0)
            {
                return result;
            }

            int errno = LibC.errno;
            if (errno != Errno.EINTR)
                return -errno;
        }
    }

    private static long Run(in IoOperation op)
    {
        switch (op.OpCode)
        {
            case IoOpCode.Readv:
                return LibCShim.preadv(op.Fd, op.Iov, op.IovCount, op.Offset);
            case IoOpCode.Writev:
                return LibCShim.pwritev(op.Fd, op.Iov, op.IovCount, op.Offset);
            case IoOpCode.Fdatasync:
                return LibC.fdatasync(op.Fd);
            case IoOpCode.Fallocate:
                return LibC.fallocate(op.Fd, op.FallocateMode, op.Offset, op.Length);
            case IoOpCode.BlockDiscard:
                ulong* range = stackalloc ulong[2];
                range[0] = (ulong)op.Offset;
                range[1] = (ulong)op.Length;
                return LibC.ioctl(op.Fd, LibCShim.BLKDISCARD, range);
            default:
                throw new InvalidOperationException($"Unknown operation {op.OpCode}.");
        }
    }
}
