using PSVmm.Engine.Interrupts;

namespace PSVmm.Tests.TestDoubles;

/// <summary>Records every MSI message and INTx line change, in order (thread-safe).</summary>
public sealed class RecordingInterruptSinkPci : IInterruptSink
{
    private readonly object _lock = new();
    private readonly List<(ulong Address, uint Data)> _messages = [];
    private readonly List<(uint Gsi, bool Asserted)> _lines = [];

    public IReadOnlyList<(ulong Address, uint Data)> Messages { get { lock (_lock) return _messages.ToArray(); } }

    public IReadOnlyList<(uint Gsi, bool Asserted)> LineChanges { get { lock (_lock) return _lines.ToArray(); } }

    public void SignalMsi(ulong address, uint data) { lock (_lock) _messages.Add((address, data)); }

    public void SetIrqLine(uint gsi, bool asserted) { lock (_lock) _lines.Add((gsi, asserted)); }
}
