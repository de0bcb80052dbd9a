namespace PSVmm.Engine.IoThreads;

/// <summary>
/// What a device sees of the event loop thread that serves it (<see cref="IoThread"/>): work
/// posted or invoked on it, eventfds it watches and one-shot timers. Several devices may share
/// one. Exceptions thrown by handlers never leave the thread.
/// </summary>
public interface IIoThread
{
    string Name { get; }

    bool IsCurrentThread { get; }

    /// <summary>
    /// Watches an eventfd: each time it becomes readable its counter is read (cleared) and
    /// <paramref name="handler"/> runs on this thread. Disposing the result stops it; once that
    /// returns the handler is not called again.
    /// </summary>
    IDisposable AddEventFd(int fd, Action handler);

    /// <summary>Runs <paramref name="action"/> on this thread soon (fire and forget).</summary>
    void Post(Action action);

    /// <summary>Runs <paramref name="action"/> on this thread and waits for it; rethrows its exception here.</summary>
    void Invoke(Action action);

    /// <summary>Runs <paramref name="action"/> once on this thread after <paramref name="delay"/>. Dispose the result to cancel.</summary>
    IDisposable Schedule(TimeSpan delay, Action action);
}
