using PSVmm.Engine.IoThreads;

namespace PSVmm.Fuzz;

/// <summary>
/// An IoThread that is the calling thread: Invoke and Post run inline, eventfd handlers run when
/// the target calls <see cref="RunEventHandlers"/>, timers never fire. Deterministic, so the fuzzer
/// sees the same path for the same input. A handler exception is a finding (a real IoThread must
/// never see one).
/// </summary>
internal sealed class SyncIoThread : IIoThread
{
    private readonly List<Action> _handlers = [];

    public string Name => "fuzz";

    public bool IsCurrentThread => true;

    public IDisposable AddEventFd(int fd, Action handler)
    {
        _handlers.Add(handler);
        return new Registration(() => _handlers.Remove(handler));
    }

    public void Post(Action action) => Run(action);

    public void Invoke(Action action) => action();

    public IDisposable Schedule(TimeSpan delay, Action action) => new Registration(() => { });

    public void RunEventHandlers()
    {
        foreach (var handler in _handlers.ToArray())
        {
            Run(handler);
        }
    }

    private static void Run(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            throw new FuzzFindingException($"exception escaped an IoThread handler: {e.GetType().Name}: {e.Message}", e);
        }
    }

    private sealed class Registration(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
