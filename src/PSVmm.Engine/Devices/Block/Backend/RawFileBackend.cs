using System.Runtime.InteropServices;
using PSVmm.Engine.Devices.Block.Backend.Engines;
using PSVmm.Engine.Native;
using Tmds.Linux;

namespace PSVmm.Engine.Devices.Block.Backend;

/// <summary>
/// A raw image: a regular file or a block device, byte for byte the guest's disk.
/// Read/Write = preadv/pwritev (READV/WRITEV), Flush = fdatasync, Discard = fallocate
/// PUNCH_HOLE|KEEP_SIZE on files and BLKDISCARD on block devices, WriteZeroes = fallocate
/// ZERO_RANGE (PUNCH_HOLE|KEEP_SIZE when the request asks to unmap, which the device lets it do only
/// when it offered write_zeroes_may_unmap), falling back to
/// writing zeroes where fallocate is unsupported. Short transfers are continued until the request
/// is done; a read that meets end of file (the image was truncated while open) fails with ENODATA.
/// </summary>
public sealed unsafe partial class RawFileBackend : IBlockBackend, IIoCompletionSink
{
    private const int ZeroBufferLength = 1 << 20;

    private readonly object _gate = new();
    private readonly BlockBackendOptions _options;
    private readonly ImageGeometry _geometry;
    private readonly IIoEngine _engine;
    private readonly BlockStatisticsCounters _stats = new();
    private readonly Dictionary<ulong, PendingIo> _pending = new();
    private readonly Queue<BlockCompletion> _ready = new();
    private Action<BlockCompletion>? _deliver;
    private ulong _nextToken;
    private long _bouncedRequests;
    private byte* _zeroBuffer;
    private int _fd;
    private bool _disposed;

    private RawFileBackend(BlockBackendOptions options, int fd, ImageGeometry geometry, IIoEngine engine)
    {
        _options = options;
        _fd = fd;
        _geometry = geometry;
        _engine = engine;
    }

    /// <summary>
    /// Opens and locks the image. Throws <see cref="BlockImageLockedException"/> when another
    /// open conflicts, <see cref="FileNotFoundException"/>, <see cref="UnauthorizedAccessException"/>
    /// or <see cref="IOException"/> (O_DIRECT unsupported, not a file or device, io_uring refused
    /// with <see cref="BlockIoEngineKind.IoUring"/>).
    /// </summary>
    public static RawFileBackend Open(BlockBackendOptions options) => Open(options, null);

    internal static RawFileBackend Open(BlockBackendOptions options, Func<int, IIoEngine>? createIoUring)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Path);
        int fd = ImageFile.Open(options);
        try
        {
            ImageLock.Acquire(fd, options.Path, options.ReadOnly);
            var geometry = ImageGeometry.Probe(fd, options.Path);
            var engine = IoEngineFactory.Create(options.Engine, options.QueueDepth, options.WorkerThreads, createIoUring);
            return new RawFileBackend(options, fd, geometry, engine);
        }
        catch
        {
            LibC.close(fd);
            throw;
        }
    }

    public string Path => _options.Path;

    public long Size => _geometry.Size;

    public bool ReadOnly => _options.ReadOnly;

    public bool IsBlockDevice => _geometry.IsBlockDevice;

    public int LogicalBlockSize => Direct ? Math.Max(_geometry.LogicalBlockSize, _geometry.DirectOffsetAlign) : _geometry.LogicalBlockSize;

    public BlockCacheMode CacheMode => _options.CacheMode;

    private bool Direct => CacheMode == BlockCacheMode.None;

    public bool SupportsDiscard => !ReadOnly;

    public bool SupportsWriteZeroes => !ReadOnly;

    /// <summary>"io_uring" or "threadpool": the engine actually in use.</summary>
    public string EngineName => _engine.Name;

    public int CompletionEventFd => _engine.CompletionEventFd;

    /// <summary>O_DIRECT requests that went through a bounce buffer because a segment was misaligned.</summary>
    public long BouncedRequests => Interlocked.Read(ref _bouncedRequests);

    public BlockBackendStatistics GetStatistics() => _stats.Snapshot();

    public void Submit(BlockIoRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _stats.Submitted();
            int error = Validate(request);
            if (error != 0)
            {
                CompleteLater(new BlockCompletion(request.UserData, request.Kind, -error));
                return;
            }

            if (request.Length == 0 && request.Kind != BlockIoKind.Flush)
            {
                CompleteLater(new BlockCompletion(request.UserData, request.Kind, 0));
                return;
            }

            var io = new PendingIo(request, ++_nextToken);
            try
            {
                if (request.Kind is BlockIoKind.Read or BlockIoKind.Write)
                {
                    var alignment = Direct ? (_geometry.DirectMemoryAlign, LogicalBlockSize) : ((int, int)?)null;
                    if (io.PrepareTransfer(alignment))
                        Interlocked.Increment(ref _bouncedRequests);
                }
            }
            catch (OutOfMemoryException)
            {
                io.Release();
                CompleteLater(new BlockCompletion(request.UserData, request.Kind, -Errno.ENOMEM));
                return;
            }

            _pending.Add(io.Token, io);
            Start(io);
        }
    }

    public void SubmitBatch(IReadOnlyList<BlockIoRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _engine.Plug();
            try
            {
                foreach (var request in requests)
                    Submit(request);
            }
            finally
            {
                _engine.Unplug();
            }
        }
    }

    internal IIoEngine Engine => _engine;

    public int DrainCompletions(Action<BlockCompletion> onCompletion)
    {
        ArgumentNullException.ThrowIfNull(onCompletion);
        lock (_gate)
        {
            if (_disposed)
                return 0;

            int delivered = 0;
            var outer = _deliver;
            _engine.Plug();
            _deliver = completion =>
            {
                delivered++;
                onCompletion(completion);
            };
            try
            {
                do
                {
                    while (_ready.TryDequeue(out var completion))
                        _deliver(completion);
                }
                while (_engine.Drain(this) > 0 || _ready.Count > 0);
            }
            finally
            {
                _deliver = outer;
                _engine.Unplug();
            }

            return delivered;
        }
    }

    // Returns 0 or the errno the request completes with without reaching the image.
    private int Validate(BlockIoRequest request)
    {
        if (request.Kind == BlockIoKind.Flush)
            return 0;

        if (request.Kind != BlockIoKind.Read && ReadOnly)
            return Errno.EROFS;

        if (request.Kind == BlockIoKind.Discard && !SupportsDiscard)
            return Errno.EOPNOTSUPP;

        if (request.Offset < 0 || request.Length < 0 || request.Offset > Size - request.Length)
            return Errno.EINVAL;

        // O_DIRECT: the file range must be block aligned (the guest is told LogicalBlockSize).
        if (Direct && request.Kind is BlockIoKind.Read or BlockIoKind.Write
            && (request.Offset % LogicalBlockSize != 0 || request.Length % LogicalBlockSize != 0))
        {
            return Errno.EINVAL;
        }

        return 0;
    }

    private void Start(PendingIo io)
    {
        var request = io.Request;
        switch (request.Kind)
        {
            case BlockIoKind.Read:
                _engine.Submit(IoOperation.Readv(_fd, io.NextOffset, io.IovWindow, io.IovWindowCount, io.Token));
                break;
            case BlockIoKind.Write:
                _engine.Submit(IoOperation.Writev(_fd, io.NextOffset, io.IovWindow, io.IovWindowCount, io.Token));
                break;
            case BlockIoKind.Flush:
                _engine.Submit(IoOperation.Fdatasync(_fd, io.Token));
                break;
            case BlockIoKind.Discard:
                _engine.Submit(_geometry.IsBlockDevice
                    ? IoOperation.BlockDiscard(_fd, request.Offset, request.Length, io.Token)
                    : IoOperation.Fallocate(_fd, LibC.FALLOC_FL_PUNCH_HOLE | LibC.FALLOC_FL_KEEP_SIZE, request.Offset, request.Length, io.Token));
                break;
            case BlockIoKind.WriteZeroes when io.WritingZeroes:
                _engine.Submit(IoOperation.Writev(_fd, io.NextOffset, io.IovWindow, io.IovWindowCount, io.Token));
                break;
            case BlockIoKind.WriteZeroes:
                int mode = request.Unmap
                    ? LibC.FALLOC_FL_PUNCH_HOLE | LibC.FALLOC_FL_KEEP_SIZE
                    : LibCShim.FALLOC_FL_ZERO_RANGE | LibC.FALLOC_FL_KEEP_SIZE;
                _engine.Submit(IoOperation.Fallocate(_fd, mode, request.Offset, request.Length, io.Token));
                break;
        }
    }

    // A request that ends inside Submit completes through the queue, never by calling back
    // into the caller from Submit (which may itself run inside a completion callback).
    private void CompleteLater(BlockCompletion completion)
    {
        _stats.Completed(completion.Kind, completion.Result);
        _ready.Enqueue(completion);
        _engine.Signal();
    }

    // Called from engine completions, which only run inside DrainCompletions or Dispose
    // (where _deliver is null and completions are dropped).
    private void Deliver(BlockCompletion completion)
    {
        _stats.Completed(completion.Kind, completion.Result);
        _deliver?.Invoke(completion);
    }

    /// <summary>Waits for requests the kernel still holds (their buffers must outlive them), then closes the image and drops its lock.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;

            _disposed = true;
            _deliver = null;
            long deadline = Environment.TickCount64 + 30_000;
            while (_pending.Count > 0 && Environment.TickCount64 < deadline)
            {
                EventFd.WaitReadable(_engine.CompletionEventFd, 100);
                _engine.Drain(this);
            }

            _engine.Dispose();
            foreach (var io in _pending.Values)
                io.Release();

            _pending.Clear();
            _ready.Clear();
            if (_zeroBuffer != null)
            {
                NativeMemory.AlignedFree(_zeroBuffer);
                _zeroBuffer = null;
            }

            LibC.close(_fd);
            _fd = -1;
        }
    }
}
