namespace PSVmm.Engine.Devices.Block.Throttle;

/// <summary>
/// Requests waiting for a <see cref="BlockThrottle"/>, released strictly in arrival order: while
/// the oldest is refused nothing behind it passes, so a stream of small requests cannot starve a
/// large one. The IoThread calls <see cref="TryDequeue"/> until it says no, then arms its timer
/// for the wait it returned. Not thread-safe: it belongs to the IoThread.
/// </summary>
public sealed class ThrottledQueue<T>
{
    private readonly BlockThrottle _throttle;
    private readonly Queue<Entry> _waiting = new();

    public ThrottledQueue(BlockThrottle throttle)
    {
        ArgumentNullException.ThrowIfNull(throttle);
        _throttle = throttle;
    }

    public int Count => _waiting.Count;

    public void Enqueue(T item, ThrottleDirection direction, int ops, long bytes) =>
        _waiting.Enqueue(new Entry(item, direction, ops, bytes));

    /// <summary>
    /// Takes the oldest request when the throttle admits it (charging it). Otherwise returns false
    /// with how long to wait; <see cref="Timeout.InfiniteTimeSpan"/> when the queue is empty.
    /// </summary>
    public bool TryDequeue(out T item, out TimeSpan wait)
    {
        if (!_waiting.TryPeek(out var head))
        {
            item = default!;
            wait = Timeout.InfiniteTimeSpan;
            return false;
        }

        if (!_throttle.TryConsume(head.Direction, head.Ops, head.Bytes, out wait))
        {
            item = default!;
            return false;
        }

        _waiting.Dequeue();
        item = head.Item;
        return true;
    }

    /// <summary>Empties the queue (device reset), returning what was waiting so it can be failed or dropped.</summary>
    public IReadOnlyList<T> Clear()
    {
        var items = _waiting.Select(e => e.Item).ToList();
        _waiting.Clear();
        return items;
    }

    private readonly record struct Entry(T Item, ThrottleDirection Direction, int Ops, long Bytes);
}
