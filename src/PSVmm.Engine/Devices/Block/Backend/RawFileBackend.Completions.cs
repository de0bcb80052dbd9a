using System.Runtime.InteropServices;
using PSVmm.Engine.Devices.Block.Backend.Engines;
using PSVmm.Engine.Native;

namespace PSVmm.Engine.Devices.Block.Backend;

/// <summary>
/// What happens when the engine finishes an operation: short transfers continue, transient
/// errors retry, unsupported fallocate modes fall back, and finished requests are delivered.
/// Runs on the draining thread under the backend's lock.
/// </summary>
public sealed unsafe partial class RawFileBackend
{
    void IIoCompletionSink.OnOperationComplete(ulong token, long result)
    {
        if (!_pending.TryGetValue(token, out var io))
            return;

        if (result is -Errno.EINTR or -Errno.EAGAIN)
        {
            Start(io);
            return;
        }

        switch (io.Request.Kind)
        {
            case BlockIoKind.Read:
            case BlockIoKind.Write:
                ContinueTransfer(io, result);
                break;
            case BlockIoKind.WriteZeroes when io.WritingZeroes:
                ContinueZeroWrite(io, result);
                break;
            case BlockIoKind.WriteZeroes when result == -Errno.EOPNOTSUPP:
                StartZeroWrite(io);
                break;
            case BlockIoKind.Discard when result == -Errno.EOPNOTSUPP:
                Finish(io, io.Request.Length); // discard is only a hint (virtio 1.2 §5.2.6.2)
                break;
            default:
                Finish(io, result < 0 ? result : io.Request.Length);
                break;
        }
    }

    private void ContinueTransfer(PendingIo io, long result)
    {
        if (result < 0)
        {
            Finish(io, result);
            return;
        }

        if (result == 0)
        {
            // A write that moves nothing would loop forever. A read meets end of file only when the
            // image shrank under the disk (requests are checked against its size at open): the
            // guest's data there is gone, and zeroes would hide that.
            Finish(io, io.Request.Kind == BlockIoKind.Write ? -Errno.EIO : -Errno.ENODATA);
            return;
        }

        io.Advance(result);

        if (io.Done < io.Request.Length)
        {
            Start(io);
            return;
        }

        io.CompleteBouncedRead();
        Finish(io, io.Request.Length);
    }

    private void StartZeroWrite(PendingIo io)
    {
        try
        {
            if (_zeroBuffer == null)
            {
                _zeroBuffer = (byte*)NativeMemory.AlignedAlloc(ZeroBufferLength, 4096);
                NativeMemory.Clear(_zeroBuffer, ZeroBufferLength);
            }
        }
        catch (OutOfMemoryException)
        {
            Finish(io, -Errno.ENOMEM);
            return;
        }

        io.PrepareZeroWrite(_zeroBuffer, ZeroBufferLength);
        Start(io);
    }

    private void ContinueZeroWrite(PendingIo io, long result)
    {
        if (result <= 0)
        {
            Finish(io, result < 0 ? result : -Errno.EIO);
            return;
        }

        io.Advance(result);
        if (io.Done >= io.Request.Length)
        {
            Finish(io, io.Request.Length);
            return;
        }

        io.PrepareZeroWrite(_zeroBuffer, ZeroBufferLength);
        Start(io);
    }

    private void Finish(PendingIo io, long result)
    {
        _pending.Remove(io.Token);
        io.Release();
        Deliver(new BlockCompletion(io.Request.UserData, io.Request.Kind, result));
    }
}
