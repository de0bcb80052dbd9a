using System.Collections.Concurrent;
using PSVmm.Engine.Native;

namespace PSVmm.Engine.Devices.Block.Backend.Engines;

/// <summary>
/// Dedicated worker threads running each operation as a blocking syscall (preadv, pwritev,
/// fdatasync, fallocate, ioctl). Used when io_uring is unavailable, and by the io_uring engine
/// for operations io_uring has no opcode for. Completions queue up and ring the eventfd.
/// </summary>
internal sealed class ThreadPoolIoEngine : IIoEngine
{
    private readonly BlockingCollection<IoOperation> _work = new();
    private readonly ConcurrentQueue<(ulong Token, long Result)> _done = new();
    private readonly Thread[] _workers;
    private readonly EventFd _eventFd;
    private readonly bool _ownsEventFd;
    private Exception? _workerFailure;
    private int _disposed;

    public ThreadPoolIoEngine(int workerCount, EventFd? sharedEventFd = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        _ownsEventFd = sharedEventFd is null;
        _eventFd = sharedEventFd ?? new EventFd();
        _workers = new Thread[workerCount];
        for (int i = 0; i < workerCount; i++)
        {
            _workers[i] = new Thread(WorkerLoop) { IsBackground = true, Name = $"PSVmm block worker {i}" };
            _workers[i].Start();
        }
    }

    public string Name => "threadpool";

    public int CompletionEventFd => _eventFd.Fd;

    /// <summary>The last exception a worker caught (the operation it hit completed with EIO).</summary>
    public Exception? WorkerFailure => Volatile.Read(ref _workerFailure);

    public void Submit(in IoOperation operation)
    {
        if (!TryAdd(operation))
            Complete(operation.Token, -Errno.ECANCELED);
    }

    public int Drain(IIoCompletionSink sink)
    {
        if (_ownsEventFd)
            _eventFd.Reset();

        return DrainQueued(sink);
    }

    /// <summary>Delivers queued completions without touching a shared eventfd (its owner resets it).</summary>
    public int DrainQueued(IIoCompletionSink sink)
    {
        int count = 0;
        while (_done.TryDequeue(out var item))
        {
            sink.OnOperationComplete(item.Token, item.Result);
            count++;
        }

        return count;
    }

    public void Signal() => _eventFd.Signal();

    private bool TryAdd(IoOperation operation)
    {
        try
        {
            return !_work.IsAddingCompleted && _work.TryAdd(operation);
        }
        catch (InvalidOperationException)
        {
            return false; // CompleteAdding or Dispose raced with this Submit (ObjectDisposedException included).
        }
    }

    private void WorkerLoop()
    {
        try
        {
            foreach (var op in _work.GetConsumingEnumerable())
            {
                long result;
                try
                {
                    result = SyncIo.Execute(op);
                }
                catch (Exception ex)
                {
                    Volatile.Write(ref _workerFailure, ex);
                    result = -Errno.EIO;
                }

                Complete(op.Token, result);
            }
        }
        catch (Exception ex)
        {
            // No exception may leave a worker thread: record it; Dispose still joins.
            Volatile.Write(ref _workerFailure, ex);
        }
    }

    private void Complete(ulong token, long result)
    {
        _done.Enqueue((token, result));
        _eventFd.Signal();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;

        _work.CompleteAdding();
        foreach (var worker in _workers)
            worker.Join();

        _work.Dispose();
        if (_ownsEventFd)
            _eventFd.Dispose();
    }
}
