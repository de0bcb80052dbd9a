namespace PSVmm.Engine.Machine;

/// <summary>
/// What the VMM noticed while a VM ran (device errors, refused guest requests), kept apart from
/// the guest's serial console so that a guest cannot make its own console unreadable and
/// console patterns match only what the guest printed. Bounded: the oldest entries go first,
/// and <see cref="Dropped"/> counts them.
/// </summary>
public sealed class VmEventLog
{
    public const int Capacity = 1000;

    private readonly object _lock = new();
    private readonly Queue<VmEvent> _events = new();

    public long Dropped { get; private set; }

    public void Add(string source, string message)
    {
        var entry = new VmEvent(DateTime.UtcNow, source, message);
        lock (_lock)
        {
            _events.Enqueue(entry);
            if (_events.Count > Capacity)
            {
                _events.Dequeue();
                Dropped++;
            }
        }
    }

    public IReadOnlyList<VmEvent> Snapshot()
    {
        lock (_lock)
            return _events.ToArray();
    }
}

/// <summary>One entry of a <see cref="VmEventLog"/>: when (UTC), which part of the machine, what.</summary>
public sealed record VmEvent(DateTime Time, string Source, string Message);
