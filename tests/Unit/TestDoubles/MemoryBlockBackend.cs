using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Native;

namespace PSVmm.Tests.TestDoubles;

/// <summary>
/// A disk held in a byte array: requests run synchronously inside Submit and their completions
/// wait on an eventfd like a real backend's. For device tests that need no files.
/// </summary>
public sealed unsafe class MemoryBlockBackend : IBlockBackend
{
    private readonly object _lock = new();
    private readonly byte[] _data;
    private readonly Queue<BlockCompletion> _ready = new();
    private readonly BlockStatisticsCounters _stats = new();
    private readonly EventFd _eventFd = new();

    public MemoryBlockBackend(int size, bool readOnly = false, int logicalBlockSize = 512)
    {
        _data = new byte[size];
        ReadOnly = readOnly;
        LogicalBlockSize = logicalBlockSize;
    }

    /// <summary>A disk of <paramref name="size"/> bytes whose every byte depends on its offset, so misplaced data shows.</summary>
    public static MemoryBlockBackend Patterned(int size)
    {
        var disk = new MemoryBlockBackend(size);
        for (int i = 0; i < size; i++)
        {
            disk._data[i] = (byte)(i * 13 + (i >> 9));
        }

        return disk;
    }

    /// <summary>The disk's contents, for tests to fill and inspect.</summary>
    public Span<byte> Data => _data;

    public long Size => _data.Length;

    public bool ReadOnly { get; }

    public int LogicalBlockSize { get; }

    public BlockCacheMode CacheMode => BlockCacheMode.Writeback;

    public bool SupportsDiscard => !ReadOnly;

    public bool SupportsWriteZeroes => !ReadOnly;

    public int CompletionEventFd => _eventFd.Fd;

    public int Flushes { get; private set; }

    public void Submit(BlockIoRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_lock)
        {
            _stats.Submitted();
            _ready.Enqueue(new BlockCompletion(request.UserData, request.Kind, Execute(request)));
            _eventFd.Signal();
        }
    }

    public int DrainCompletions(Action<BlockCompletion> onCompletion)
    {
        _eventFd.Reset();
        int count = 0;
        while (true)
        {
            BlockCompletion completion;
            lock (_lock)
            {
                if (!_ready.TryDequeue(out completion))
                {
                    return count;
                }
            }

            _stats.Completed(completion.Kind, completion.Result);
            onCompletion(completion);
            count++;
        }
    }

    public BlockBackendStatistics GetStatistics() => _stats.Snapshot();

    public void Dispose() => _eventFd.Dispose();

    private long Execute(BlockIoRequest request)
    {
        if (request.Kind == BlockIoKind.Flush)
        {
            Flushes++;
            return 0;
        }

        if (request.Kind != BlockIoKind.Read && ReadOnly)
        {
            return -Errno.EROFS;
        }

        if (request.Offset < 0 || request.Length < 0 || request.Offset > Size - request.Length)
        {
            return -Errno.EINVAL;
        }

        long at = request.Offset;
        switch (request.Kind)
        {
            case BlockIoKind.Read:
            case BlockIoKind.Write:
                foreach (var segment in request.Segments)
                {
                    var disk = _data.AsSpan((int)at, segment.Length);
                    var memory = segment.IsPinnedByCaller ? new Span<byte>(segment.Pointer, segment.Length) : segment.Memory.Span;
                    if (request.Kind == BlockIoKind.Read)
                    {
                        disk.CopyTo(memory);
                    }
                    else
                    {
                        memory.CopyTo(disk);
                    }

                    at += segment.Length;
                }

                return request.Length;
            default:
                _data.AsSpan((int)request.Offset, (int)request.Length).Clear();
                return request.Length;
        }
    }
}
