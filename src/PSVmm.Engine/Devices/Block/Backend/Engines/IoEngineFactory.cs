namespace PSVmm.Engine.Devices.Block.Backend.Engines;

/// <summary>Picks the I/O engine for a backend; Auto falls back to the thread pool when io_uring is refused.</summary>
internal static class IoEngineFactory
{
    /// <param name="createIoUring">Replaces io_uring setup (tests use it to make setup fail and prove the fallback).</param>
    public static IIoEngine Create(BlockIoEngineKind kind, int queueDepth, int workerThreads, Func<int, IIoEngine>? createIoUring = null)
    {
        createIoUring ??= IoUringEngine.Create;
        switch (kind)
        {
            case BlockIoEngineKind.ThreadPool:
                return new ThreadPoolIoEngine(workerThreads);
            case BlockIoEngineKind.IoUring:
                return createIoUring(queueDepth);
            default:
                try
                {
                    return createIoUring(queueDepth);
                }
                catch (IoUringUnavailableException)
                {
                    return new ThreadPoolIoEngine(workerThreads);
                }
        }
    }
}
