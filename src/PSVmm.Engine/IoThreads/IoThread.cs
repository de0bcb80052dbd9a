using System.Collections.Concurrent;
using PSVmm.Engine.Native;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace PSVmm.Engine.IoThreads;

/// <summary>
/// A named event loop thread for device work: epoll over eventfds (KVM ioeventfds for queue
/// notifications, block-backend completion eventfds), posted actions, and one-shot timers
/// (throttling). Several devices may share one IoThread. Handler exceptions never leave the
/// thread: they go to <c>onHandlerError</c> and the loop goes on.
/// </summary>
public sealed unsafe class IoThread : IIoThread, IDisposable
{
    private const int MaxEvents = 64;
    private const ulong WakeKey = 0;

    private readonly int _epoll;
    private readonly EventFd _wakeFd;
    private readonly Thread _thread;
    private readonly Action<string, Exception> _onHandlerError;
    private readonly ConcurrentQueue<Action> _posted = new();
    private readonly Dictionary<ulong, Action> _handlers = new();           // loop thread only
    private readonly PriorityQueue<TimerEntry, long> _timers = new();      // guarded by _timerLock
    private readonly object _timerLock = new();
    private ulong _nextKey = 1;
    private volatile bool _stopping;

    public IoThread(string name, Action<string, Exception>? onHandlerError = null)
    {
        Name = name;
        _onHandlerError = onHandlerError ?? ((_, _) => { });
        _epoll = epoll_create1(EPOLL_CLOEXEC);
        if (_epoll < 0)
            throw new IOException($"epoll_create1 failed: errno {errno}");
        var wakeFd = EventFd.TryCreate(out _);
        if (wakeFd is null || !EpollAdd(wakeFd.Fd, WakeKey))
        {
            close(_epoll);
            wakeFd?.Dispose();
            throw new IOException($"IoThread {name}: eventfd/epoll setup failed");
        }
        _wakeFd = wakeFd;
        _thread = new Thread(Run) { Name = $"iothread {name}", IsBackground = true };
        _thread.Start();
    }

    public string Name { get; }

    public bool IsCurrentThread => Thread.CurrentThread == _thread;

    public IDisposable AddEventFd(int fd, Action handler)
    {
        var source = new IoThreadSource(this, fd);
        Invoke(() =>
        {
            ulong key = _nextKey++;
            if (!EpollAdd(fd, key))
                throw new IOException($"IoThread {Name}: epoll_ctl ADD fd {fd} failed: errno {errno}");
            _handlers[key] = () =>
            {
                EventFd.Reset(fd);
                handler();
            };
            source.Key = key;
        });
        return source;
    }

    /// <summary>Stops watching; once this returns the handler is not called again.</summary>
    internal void Remove(IoThreadSource source)
    {
        if (_stopping || source.Key == 0)
            return;
        Invoke(() =>
        {
            epoll_event ev = default;
            epoll_ctl(_epoll, EPOLL_CTL_DEL, source.Fd, &ev);
            _handlers.Remove(source.Key);
            source.Key = 0;
        });
    }

    public void Post(Action action)
    {
        _posted.Enqueue(action);
        Wake();
    }

    public void Invoke(Action action)
    {
        if (IsCurrentThread)
        {
            action();
            return;
        }
        if (_stopping)
            throw new ObjectDisposedException($"IoThread {Name}");
        using var done = new ManualResetEventSlim();
        Exception? failure = null;
        Post(() =>
        {
            try { action(); }
            catch (Exception e) { failure = e; }
            finally { done.Set(); }
        });
        while (!done.Wait(100))
        {
            if (!_thread.IsAlive)
                throw new ObjectDisposedException($"IoThread {Name}");
        }
        if (failure is not null)
            throw new InvalidOperationException($"IoThread {Name}: {failure.Message}", failure);
    }

    public IDisposable Schedule(TimeSpan delay, Action action)
    {
        var entry = new TimerEntry(action);
        long due = Environment.TickCount64 + Math.Max(0, (long)Math.Ceiling(delay.TotalMilliseconds));
        lock (_timerLock)
            _timers.Enqueue(entry, due);
        Wake();
        return entry;
    }

    private void Wake() => _wakeFd.Signal();

    private bool EpollAdd(int fd, ulong key)
    {
        epoll_event ev = default;
        ev.events = EPOLLIN;
        ev.data.u64 = key;
        return epoll_ctl(_epoll, EPOLL_CTL_ADD, fd, &ev) == 0;
    }

    private void Run()
    {
        var events = stackalloc epoll_event[MaxEvents];
        while (!_stopping)
        {
            int n = epoll_wait(_epoll, events, MaxEvents, NextTimeoutMs());
            for (int i = 0; i < n && !_stopping; i++)
            {
                ulong key = events[i].data.u64;
                if (key == WakeKey)
                    _wakeFd.Reset();
                else if (_handlers.TryGetValue(key, out var handler))
                    RunHandler(handler);
            }
            while (!_stopping && _posted.TryDequeue(out var action))
                RunHandler(action);
            RunDueTimers();
        }
        // Release anyone waiting in Invoke.
        while (_posted.TryDequeue(out var action))
            RunHandler(action);
    }

    private int NextTimeoutMs()
    {
        if (!_posted.IsEmpty)
            return 0;
        lock (_timerLock)
        {
            if (!_timers.TryPeek(out _, out long due))
                return -1;
            return (int)Math.Clamp(due - Environment.TickCount64, 0, int.MaxValue);
        }
    }

    private void RunDueTimers()
    {
        while (true)
        {
            TimerEntry entry;
            lock (_timerLock)
            {
                if (!_timers.TryPeek(out entry!, out long due) || due > Environment.TickCount64)
                    return;
                _timers.Dequeue();
            }
            if (!entry.Cancelled)
                RunHandler(entry.Action);
        }
    }

    private void RunHandler(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            try { _onHandlerError(Name, e); } catch { /* the loop must survive a faulty error sink */ }
        }
    }

    public void Dispose()
    {
        if (_stopping)
            return;
        _stopping = true;
        Wake();
        if (!IsCurrentThread)
            _thread.Join();
        _wakeFd.Dispose();
        close(_epoll);
    }

    private sealed class TimerEntry(Action action) : IDisposable
    {
        public Action Action { get; } = action;
        public volatile bool Cancelled;
        public void Dispose() => Cancelled = true;
    }
}
