namespace PSVmm.Engine.Devices.Block.Backend;

/// <summary>
/// Storage behind a virtio-blk device. Asynchronous: <see cref="Submit"/> queues a request and
/// returns; its <see cref="BlockCompletion"/> is handed out later by <see cref="DrainCompletions"/>.
/// Whenever completions are waiting, <see cref="CompletionEventFd"/> is readable, so an IoThread
/// can epoll on it (EPOLLIN) and call <see cref="DrainCompletions"/> when it fires.
/// <para>
/// Threading: Submit and DrainCompletions may be called from any thread but are meant for one
/// IoThread; callbacks run on the draining thread and may call Submit. Every request, valid or
/// not, completes exactly once (invalid ones with a negative errno); Submit only throws after
/// Dispose or for a null request.
/// </para>
/// </summary>
public interface IBlockBackend : IDisposable
{
    /// <summary>Image size in bytes; requests must lie inside [0, Size).</summary>
    long Size { get; }

    bool ReadOnly { get; }

    /// <summary>The smallest unit the image is addressed in (512 for files, the device's for block devices and O_DIRECT).</summary>
    int LogicalBlockSize { get; }

    /// <summary><see cref="BlockCacheMode.None"/>: the image is opened with O_DIRECT.</summary>
    BlockCacheMode CacheMode { get; }

    bool SupportsDiscard { get; }

    bool SupportsWriteZeroes { get; }

    /// <summary>A non-blocking eventfd that becomes readable when completions are waiting. Owned by the backend.</summary>
    int CompletionEventFd { get; }

    void Submit(BlockIoRequest request);

    /// <summary>
    /// Submits several requests at once, e.g. everything a virtqueue notification made available:
    /// the io_uring backend hands them to the kernel with a single io_uring_enter.
    /// </summary>
    void SubmitBatch(IReadOnlyList<BlockIoRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        foreach (var request in requests)
            Submit(request);
    }

    /// <summary>Hands every waiting completion to <paramref name="onCompletion"/>, resets the eventfd, returns how many.</summary>
    int DrainCompletions(Action<BlockCompletion> onCompletion);

    BlockBackendStatistics GetStatistics();
}
