namespace PSVmm.Engine.Devices.Block.Backend.Engines;

/// <summary>Which asynchronous I/O mechanism a backend uses.</summary>
public enum BlockIoEngineKind
{
    /// <summary>io_uring when the kernel allows it, the thread pool otherwise.</summary>
    Auto,
    /// <summary>io_uring only; opening fails when io_uring_setup is refused.</summary>
    IoUring,
    /// <summary>Dedicated worker threads doing preadv/pwritev/fdatasync/fallocate.</summary>
    ThreadPool,
}
