using PSVmm.Engine.Devices.Block.Backend.Engines;

namespace PSVmm.Engine.Devices.Block.Backend;

/// <summary>How to open an image. Plain data.</summary>
public sealed record BlockBackendOptions(string Path)
{
    /// <summary>Open O_RDONLY and take a shared lock; writes, discards and write-zeroes fail with EROFS.</summary>
    public bool ReadOnly { get; init; }

    public BlockCacheMode CacheMode { get; init; } = BlockCacheMode.Writeback;

    public BlockIoEngineKind Engine { get; init; } = BlockIoEngineKind.Auto;

    /// <summary>io_uring submission queue entries (rounded up to a power of two by the kernel).</summary>
    public int QueueDepth { get; init; } = 128;

    /// <summary>Worker threads of the thread-pool engine.</summary>
    public int WorkerThreads { get; init; } = 4;
}
