using PSVmm.Engine.Interrupts;

namespace PSVmm.Engine.Pci;

/// <summary>
/// Wired-OR of shared INTx lines (PCI Local Bus 3.0 §2.2.6: INTx# are open-drain and may be
/// shared). Several functions routed to one GSI each drive it; the GSI stays asserted while any
/// of them asserts, and the sink hears only changes of the combined level. Thread-safe.
/// </summary>
public sealed class PciIntxLines
{
    private readonly object _lock = new();
    private readonly IInterruptSink _sink;
    private readonly Dictionary<uint, HashSet<object>> _asserting = [];

    public PciIntxLines(IInterruptSink sink) => _sink = sink ?? throw new ArgumentNullException(nameof(sink));

    public IInterruptSink Sink => _sink;

    /// <summary>Records that <paramref name="source"/> drives <paramref name="gsi"/> to <paramref name="asserted"/>; forwards the combined level when it changes.</summary>
    public void Drive(object source, uint gsi, bool asserted)
    {
        ArgumentNullException.ThrowIfNull(source);
        lock (_lock)
        {
            if (!_asserting.TryGetValue(gsi, out var set))
                _asserting[gsi] = set = new HashSet<object>(ReferenceEqualityComparer.Instance);
            bool before = set.Count > 0;
            if (asserted)
                set.Add(source);
            else
                set.Remove(source);
            bool after = set.Count > 0;
            if (before != after)
                _sink.SetIrqLine(gsi, after);
        }
    }

    public bool IsAsserted(uint gsi)
    {
        lock (_lock) return _asserting.TryGetValue(gsi, out var set) && set.Count > 0;
    }
}
