namespace PSVmm.Engine.Devices.Block.Backend.Engines;

/// <summary>io_uring_setup (or mapping its rings) was refused: ENOSYS on old kernels, EPERM when disabled by sysctl or seccomp.</summary>
public sealed class IoUringUnavailableException : IOException
{
    public IoUringUnavailableException(string step, int errno)
        : base($"io_uring is unavailable ({step}: {Native.Errno.Describe(errno)}). Use the thread-pool I/O engine.")
    {
        Errno = errno;
    }

    public int Errno { get; }
}
