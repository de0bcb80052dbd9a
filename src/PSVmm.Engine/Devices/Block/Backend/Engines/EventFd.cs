using PSVmm.Engine.Devices.Block.Backend.Native;

namespace PSVmm.Engine.Devices.Block.Backend.Engines;

/// <summary>A non-blocking, close-on-exec eventfd used as a completion doorbell.</summary>
internal sealed unsafe class EventFd : IDisposable
{
    private int _fd;

    public EventFd()
    {
        _fd = LibC.eventfd(0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC);
        if (_fd < 0)
        {
            throw new IOException($"eventfd failed: {BlockErrno.Describe(LibC.LastErrno)}");
        }
    }

    public int Fd => _fd;

    public void Signal()
    {
        ulong one = 1;
        LibC.write(_fd, &one, sizeof(ulong));
    }

    /// <summary>Resets the counter to zero; returns false when it already was.</summary>
    public bool Reset()
    {
        ulong value;
        return LibC.read(_fd, &value, sizeof(ulong)) == sizeof(ulong);
    }

    /// <summary>Waits until the eventfd is readable or the timeout passes.</summary>
    public bool Wait(int timeoutMs) => WaitReadable(_fd, timeoutMs);

    public static bool WaitReadable(int fd, int timeoutMs)
    {
        var pfd = new PollFd { Fd = fd, Events = LibC.POLLIN };
        return LibC.poll(&pfd, 1, timeoutMs) > 0 && (pfd.Revents & LibC.POLLIN) != 0;
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            LibC.close(fd);
        }
    }
}
