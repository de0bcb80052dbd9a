using PSVmm.Engine.Devices.Block.Backend;

namespace PSVmm.Tests.Devices.Block.Device;

/// <summary>Passes everything to an inner backend and records the size of each SubmitBatch / Submit call.</summary>
internal sealed class BatchRecordingBackend(IBlockBackend inner) : IBlockBackend
{
    private readonly object _lock = new();
    private readonly List<int> _batches = [];

    public IReadOnlyList<int> Batches { get { lock (_lock) return [.. _batches]; } }

    public long Size => inner.Size;
    public bool ReadOnly => inner.ReadOnly;
    public int LogicalBlockSize => inner.LogicalBlockSize;
    public BlockCacheMode CacheMode => inner.CacheMode;
    public bool SupportsDiscard => inner.SupportsDiscard;
    public bool SupportsWriteZeroes => inner.SupportsWriteZeroes;
    public int CompletionEventFd => inner.CompletionEventFd;

    public void Submit(BlockIoRequest request)
    {
        lock (_lock) _batches.Add(1);
        inner.Submit(request);
    }

    public void SubmitBatch(IReadOnlyList<BlockIoRequest> requests)
    {
        lock (_lock) _batches.Add(requests.Count);
        inner.SubmitBatch(requests);
    }

    public int DrainCompletions(Action<BlockCompletion> onCompletion) => inner.DrainCompletions(onCompletion);

    public BlockBackendStatistics GetStatistics() => inner.GetStatistics();

    public void Dispose() => inner.Dispose();
}
