using PSVmm.Engine.Devices.Block.Backend.Engines;
using PSVmm.Engine.Native;
using Tmds.Linux;

namespace PSVmm.Tests.Devices.Block.Backend;

/// <summary>
/// An engine that runs operations for real, but only when drained, and lets a test shorten
/// transfers or replace results (EAGAIN, EIO, EOPNOTSUPP, 0) to exercise the backend's
/// continuation and fallback logic deterministically.
/// </summary>
internal sealed unsafe class ScriptedIoEngine : IIoEngine
{
    private readonly EventFd _eventFd = new();
    private readonly Queue<IoOperation> _queued = new();

    public string Name => "scripted";

    public int CompletionEventFd => _eventFd.Fd;

    /// <summary>Caps the bytes one readv/writev moves, making every larger transfer short.</summary>
    public int MaxBytesPerCall { get; set; } = int.MaxValue;

    /// <summary>Returns a result to report instead of running the operation, or null to run it.</summary>
    public Func<IoOperation, long?> Override { get; set; } = _ => null;

    public List<IoOpCode> Executed { get; } = new();

    public void Submit(in IoOperation operation)
    {
        _queued.Enqueue(operation);
        _eventFd.Signal();
    }

    public int Drain(IIoCompletionSink sink)
    {
        _eventFd.Reset();
        int count = 0;
        int batch = _queued.Count;
        for (int i = 0; i < batch; i++)
        {
            var op = _queued.Dequeue();
            sink.OnOperationComplete(op.Token, Run(op));
            count++;
        }

        return count;
    }

    public void Signal() => _eventFd.Signal();

    private long Run(IoOperation op)
    {
        Executed.Add(op.OpCode);
        if (Override(op) is long forced)
        {
            return forced;
        }

        if (op.OpCode is IoOpCode.Readv or IoOpCode.Writev && MaxBytesPerCall != int.MaxValue)
        {
            op = Trimmed(op);
        }

        return SyncIo.Execute(op);
    }

    private IoOperation Trimmed(IoOperation op)
    {
        // A copy of the window cut at MaxBytesPerCall; leaked per call, fine in tests (small).
        var iov = (iovec*)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)op.IovCount, (nuint)sizeof(iovec));
        long budget = MaxBytesPerCall;
        int count = 0;
        for (int i = 0; i < op.IovCount && budget > 0; i++)
        {
            long length = Math.Min((long)(ulong)op.Iov[i].iov_len, budget);
            iov[count++] = new iovec { iov_base = op.Iov[i].iov_base, iov_len = (size_t)(ulong)length };
            budget -= length;
        }

        return new IoOperation(op.OpCode, op.Fd, op.Offset, iov, count, op.Length, op.FallocateMode, op.Token);
    }

    public void Dispose() => _eventFd.Dispose();
}
