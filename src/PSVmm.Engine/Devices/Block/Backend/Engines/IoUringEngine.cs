using PSVmm.Engine.Native;
using Tmds.Linux;

namespace PSVmm.Engine.Devices.Block.Backend.Engines;

/// <summary>
/// io_uring: one submission/completion ring pair per backend, completions announced through an
/// eventfd registered with IORING_REGISTER_EVENTFD. READV, WRITEV, FSYNC(DATASYNC) and FALLOCATE
/// go through the ring; BLKDISCARD (an ioctl) goes to a one-thread pool sharing the eventfd.
/// The ring has one producer: every ring access happens under <see cref="_lock"/>.
/// </summary>
internal sealed unsafe class IoUringEngine : IIoEngine
{
    private readonly object _lock = new();
    private readonly EventFd _eventFd;
    private readonly Queue<IoOperation> _backlog = new();
    private readonly Queue<(ulong Token, long Result)> _synthetic = new();
    private readonly IoUringRings _rings;
    private ThreadPoolIoEngine? _ioctlPool;
    private uint _unsubmitted;
    private uint _inFlight;
    private int _plugged;
    private bool _disposed;
    private bool _ringsUnmapped;

    private IoUringEngine(IoUringRings rings, EventFd eventFd)
    {
        _rings = rings;
        _eventFd = eventFd;
    }

    public string Name => "io_uring";

    /// <summary>io_uring_enter calls made to submit (tests prove batching with it).</summary>
    internal long SubmitCalls { get; private set; }

    public int CompletionEventFd => _eventFd.Fd;

    /// <summary>Sets up a ring of at least <paramref name="entries"/> SQEs; throws <see cref="IoUringUnavailableException"/> when the kernel refuses.</summary>
    public static IoUringEngine Create(int entries)
    {
        var eventFd = new EventFd();
        try
        {
            var rings = IoUringRings.Create((uint)Math.Clamp(entries, 1, 4096));
            int efd = eventFd.Fd;
            if (IoUringAbi.Register(rings.Fd, IoUringAbi.IORING_REGISTER_EVENTFD, &efd, 1) < 0)
            {
                int errno = LibC.errno;
                rings.Dispose();
                throw new IoUringUnavailableException("IORING_REGISTER_EVENTFD", errno);
            }

            return new IoUringEngine(rings, eventFd);
        }
        catch
        {
            eventFd.Dispose();
            throw;
        }
    }

    public void Submit(in IoOperation operation)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                Synthesize(operation.Token, -Errno.ECANCELED);
                return;
            }

            if (operation.OpCode == IoOpCode.BlockDiscard)
            {
                _ioctlPool ??= new ThreadPoolIoEngine(1, _eventFd);
                _ioctlPool.Submit(operation);
                return;
            }

            if (_backlog.Count > 0 || !HasRoom())
            {
                _backlog.Enqueue(operation);
                return;
            }

            Push(operation);
            EnterSubmit();
        }
    }

    public int Drain(IIoCompletionSink sink)
    {
        lock (_lock)
        {
            _eventFd.Reset();
            int count = ReapRing(sink);
            while (_synthetic.Count > 0)
            {
                var (token, result) = _synthetic.Dequeue();
                sink.OnOperationComplete(token, result);
                count++;
            }

            if (_ioctlPool is not null)
                count += _ioctlPool.DrainQueued(sink);

            if (!_disposed)
                SubmitBacklogAndRing();

            return count;
        }
    }

    public void Signal() => _eventFd.Signal();

    public void Plug()
    {
        lock (_lock)
        {
            _plugged++;
        }
    }

    public void Unplug()
    {
        lock (_lock)
        {
            if (_plugged > 0 && --_plugged == 0 && !_disposed)
                SubmitBacklogAndRing();
        }
    }

    /// <summary>
    /// Hands every posted CQE to the sink, advancing the CQ head past each before its callback.
    /// The head is re-read every time and disposal checked, so a callback that drains again or
    /// disposes the engine (both reach here re-entrantly under the same lock) cannot corrupt it.
    /// </summary>
    private int ReapRing(IIoCompletionSink sink)
    {
        int count = 0;
        while (!_ringsUnmapped)
        {
            uint head = *_rings.CqHead;
            if (head == Volatile.Read(ref *_rings.CqTail))
                break;

            IoUringCqe cqe = _rings.Cqes[head & _rings.CqMask];
            Volatile.Write(ref *_rings.CqHead, head + 1);
            _inFlight--;
            sink.OnOperationComplete(cqe.UserData, cqe.Res);
            count++;
        }

        return count;
    }

    // In flight is capped at the CQ size so the completion ring can never overflow.
    private bool HasRoom() =>
        _inFlight < _rings.CqEntries && *_rings.SqTail - Volatile.Read(ref *_rings.SqHead) < _rings.SqEntries;

    private void Push(in IoOperation op)
    {
        uint tail = *_rings.SqTail;
        uint index = tail & _rings.SqMask;
        IoUringSqe* sqe = &_rings.Sqes[index];
        *sqe = default;
        sqe->Fd = op.Fd;
        sqe->UserData = op.Token;
        switch (op.OpCode)
        {
            case IoOpCode.Readv:
            case IoOpCode.Writev:
                sqe->Opcode = op.OpCode == IoOpCode.Readv ? IoUringAbi.IORING_OP_READV : IoUringAbi.IORING_OP_WRITEV;
                sqe->Off = (ulong)op.Offset;
                sqe->Addr = (ulong)op.Iov;
                sqe->Len = (uint)op.IovCount;
                break;
            case IoOpCode.Fdatasync:
                sqe->Opcode = IoUringAbi.IORING_OP_FSYNC;
                sqe->OpFlags = IoUringAbi.IORING_FSYNC_DATASYNC;
                break;
            case IoOpCode.Fallocate:
                // io_uring fallocate: off = offset, addr = length, len = mode.
                sqe->Opcode = IoUringAbi.IORING_OP_FALLOCATE;
                sqe->Off = (ulong)op.Offset;
                sqe->Addr = (ulong)op.Length;
                sqe->Len = (uint)op.FallocateMode;
                break;
        }

        _rings.SqArray[index] = index;
        Volatile.Write(ref *_rings.SqTail, tail + 1);
        _unsubmitted++;
        _inFlight++;
    }

    // Submits what is in the ring, then moves waiting operations into the room that frees.
    private void SubmitBacklogAndRing()
    {
        EnterSubmit();
        while (_backlog.Count > 0 && HasRoom())
        {
            Push(_backlog.Dequeue());
            if (!HasRoom())
                EnterSubmit();
        }

        EnterSubmit();
    }

    private void EnterSubmit()
    {
        while (_unsubmitted > 0 && _plugged == 0)
        {
            SubmitCalls++;
            int submitted = IoUringAbi.Enter(_rings.Fd, _unsubmitted, 0, 0);
            if (submitted > 0)
            {
                _unsubmitted -= (uint)submitted;
                continue;
            }

            int errno = submitted < 0 ? LibC.errno : Errno.EAGAIN;
            if (errno == Errno.EINTR)
                continue;

            if (errno is Errno.EAGAIN or Errno.EBUSY)
            {
                // The kernel is short of resources or completions: retry on the next Drain.
                _eventFd.Signal();
                return;
            }

            FailUnsubmitted(errno);
        }
    }

    // The kernel has not looked at the last _unsubmitted SQEs: take them back and fail them.
    private void FailUnsubmitted(int errno)
    {
        uint tail = *_rings.SqTail;
        for (uint i = 0; i < _unsubmitted; i++)
        {
            uint index = (tail - _unsubmitted + i) & _rings.SqMask;
            Synthesize(_rings.Sqes[index].UserData, -errno);
        }

        Volatile.Write(ref *_rings.SqTail, tail - _unsubmitted);
        _inFlight -= _unsubmitted;
        _unsubmitted = 0;
    }

    private void Synthesize(ulong token, long result)
    {
        _synthetic.Enqueue((token, result));
        _eventFd.Signal();
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
                return;

            _disposed = true;
            // Buffers of operations still in the kernel must outlive them: wait them out.
            var discard = new DiscardingSink();
            var deadline = Environment.TickCount64 + 30_000;
            while (_inFlight > _unsubmitted && Environment.TickCount64 < deadline)
            {
                IoUringAbi.Enter(_rings.Fd, 0, 1, IoUringAbi.IORING_ENTER_GETEVENTS);
                ReapRing(discard);
            }

            _ioctlPool?.Dispose();
            _ringsUnmapped = true;
            _rings.Dispose();
            _eventFd.Dispose();
        }
    }

    private sealed class DiscardingSink : IIoCompletionSink
    {
        public void OnOperationComplete(ulong token, long result)
        {
        }
    }
}
