using Tmds.Linux;

namespace PSVmm.Engine.Native;

/// <summary>
/// A non-blocking, close-on-exec eventfd: the engine's one eventfd type, for completion
/// doorbells, IoThread wake-ups and the fds KVM signals (ioeventfd) or listens on (irqfd).
/// Disposing closes it; <see cref="Fd"/> is -1 from then on.
/// </summary>
internal sealed unsafe class EventFd : IDisposable
{
    private int _fd;

    public EventFd()
    {
        _fd = Open();
        if (_fd < 0)
            throw new IOException($"eventfd failed: {Errno.Describe(LibC.errno)}");
    }

    private EventFd(int fd) => _fd = fd;

    /// <summary>A new eventfd, or null and the errno when there is none (for callers that report failures their own way).</summary>
    public static EventFd? TryCreate(out int errno)
    {
        int fd = Open();
        errno = fd < 0 ? LibC.errno : 0;
        return fd < 0 ? null : new EventFd(fd);
    }

    private static int Open() => LibC.eventfd(0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC);

    /// <summary>The descriptor, to watch it or hand it to KVM.</summary>
    public int Fd => _fd;

    /// <summary>Adds 1 to the counter (EAGAIN, when it would overflow, is harmless: it is already signalled).</summary>
    public void Signal()
    {
        ulong one = 1;
        LibC.write(_fd, &one, sizeof(ulong));
    }

    /// <summary>Resets the counter to zero; returns false when it already was.</summary>
    public bool Reset() => Reset(_fd);

    /// <summary>Resets the counter of an eventfd someone else owns; returns false when it already was zero.</summary>
    public static bool Reset(int fd)
    {
        ulong value;
        return LibC.read(fd, &value, sizeof(ulong)) == sizeof(ulong);
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
            LibC.close(fd);
    }
}
