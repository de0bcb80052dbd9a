using Tmds.Linux;

namespace PSVmm.Engine.Native;

/// <summary>A non-blocking, close-on-exec eventfd used as a completion doorbell.</summary>
internal sealed unsafe class EventFd : IDisposable
{
    private int _fd;

    public EventFd()
    {
        _fd = Open();
        if (_fd < 0)
        {
            throw new IOException($"eventfd failed: {Errno.Describe(LibC.errno)}");
        }
    }

    private static int Open() => LibC.eventfd(0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC);

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
        var pfd = new pollfd { fd = fd, events = LibC.POLLIN };
        return LibC.poll(&pfd, 1, timeoutMs) > 0 && (pfd.revents & LibC.POLLIN) != 0;
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
