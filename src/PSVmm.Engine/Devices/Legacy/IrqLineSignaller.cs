using PSVmm.Engine.Interrupts;

namespace PSVmm.Engine.Devices.Legacy;

/// <summary>
/// Drives one level-triggered line from a device whose state changes under its own lock, calling
/// the sink only when the level changes. Devices compute the level under their lock and take a
/// ticket; <see cref="Publish"/> is called after the lock is released and drops levels that a
/// later ticket already published, so two threads cannot leave a stale level on the line.
/// </summary>
internal sealed class IrqLineSignaller
{
    private readonly IInterruptSink _sink;
    private readonly uint _gsi;
    private readonly object _lock = new();
    private long _nextTicket;
    private long _publishedTicket = -1;
    private bool _level;

    public IrqLineSignaller(IInterruptSink sink, uint gsi)
    {
        _sink = sink;
        _gsi = gsi;
    }

    /// <summary>Call under the device lock, right after computing the level.</summary>
    public long TakeTicket() => Interlocked.Increment(ref _nextTicket);

    public void Publish(long ticket, bool level)
    {
        lock (_lock)
        {
            if (ticket <= _publishedTicket)
                return;
            _publishedTicket = ticket;
            if (level == _level)
                return;
            _level = level;
            _sink.SetIrqLine(_gsi, level);
        }
    }
}
