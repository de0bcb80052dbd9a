using PSVmm.Engine.Interrupts;

namespace PSVmm.Tests.TestDoubles;

/// <summary>An <see cref="IInterruptSink"/> that records every MSI and line change, in order (thread-safe).</summary>
public sealed class RecordingInterruptSink : IInterruptSink
{
    public readonly record struct Msi(ulong Address, uint Data);

    public readonly record struct LineChange(uint Gsi, bool Asserted);

    private readonly object _lock = new();
    private readonly List<Msi> _msis = [];
    private readonly List<LineChange> _lineChanges = [];

    public void SignalMsi(ulong address, uint data)
    {
        lock (_lock)
            _msis.Add(new Msi(address, data));
    }

    public void SetIrqLine(uint gsi, bool asserted)
    {
        lock (_lock)
            _lineChanges.Add(new LineChange(gsi, asserted));
    }

    public IReadOnlyList<Msi> Msis
    {
        get { lock (_lock) return [.. _msis]; }
    }

    public IReadOnlyList<LineChange> LineChanges
    {
        get { lock (_lock) return [.. _lineChanges]; }
    }

    /// <summary>How many times <paramref name="gsi"/> was driven high.</summary>
    public int AssertionCount(uint gsi)
    {
        lock (_lock)
            return _lineChanges.Count(c => c.Gsi == gsi && c.Asserted);
    }

    /// <summary>The last level driven on <paramref name="gsi"/> (false if never driven).</summary>
    public bool IsAsserted(uint gsi)
    {
        lock (_lock)
        {
            for (int i = _lineChanges.Count - 1; i >= 0; i--)
            {
                if (_lineChanges[i].Gsi == gsi)
                    return _lineChanges[i].Asserted;
            }

            return false;
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _msis.Clear();
            _lineChanges.Clear();
        }
    }
}
