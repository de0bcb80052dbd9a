namespace PSVmm.Engine.Native;

/// <summary>A non-blocking, close-on-exec eventfd used as a completion doorbell.</summary>
internal sealed unsafe class EventFd : IDisposable
{
    private int _fd;

    public EventFd()
    {
        _fd = LibCShim.eventfd(0, LibCShim.EFD_NONBLOCK | LibCShim.EFD_CLOEXEC);
        if (_fd < 0)
        {
            throw new IOException($"eventfd failed: {Errno.Describe(LibCShim.LastErrno)}");
        }
    }

    public int Fd => _fd;

    public void Signal()
    {
        ulong one = 1;
        LibCShim.write(_fd, &one, sizeof(ulong));
    }

    /// <summary>Resets the counter to zero; returns false when it already was.</summary>
    public bool Reset()
    {
        ulong value;
        return LibCShim.read(_fd, &value, sizeof(ulong)) == sizeof(ulong);
    }

    /// <summary>Waits until the eventfd is readable or the timeout passes.</summary>
    public bool Wait(int timeoutMs) => WaitReadable(_fd, timeoutMs);

    public static bool WaitReadable(int fd, int timeoutMs)
    {
        var pfd = new PollFd { Fd = fd, Events = LibCShim.POLLIN };
        return LibCShim.poll(&pfd, 1, timeoutMs) > 0 && (pfd.Revents & LibCShim.POLLIN) != 0;
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            LibCShim.close(fd);
        }
    }
}
