using PSVmm.Engine.Interrupts;
using PSVmm.Engine.Pci.Msix;

namespace PSVmm.Engine.Machine;

/// <summary>
/// Keeps the machine's MSI routes (KVM GSI routes and irqfds) in step with one function's
/// MSI-X table: when the guest writes an entry (PCI 3.0 §6.8.2.4-6) the route for its new
/// message is made and the old one released, so interrupts go straight to an irqfd and the
/// routing table holds only messages some vector uses. Masking and the PBA stay with the
/// MsixTable in userspace (PITFALLS: removing routes on mask loses interrupts).
/// </summary>
internal sealed class MsixRouteTracker : IDisposable
{
    private readonly object _lock = new();
    private readonly MsixTable _table;
    private readonly IMsiRouteCache _routes;
    private readonly Dictionary<int, (ulong Address, uint Data)> _held = [];
    private bool _disposed;

    public MsixRouteTracker(MsixTable table, IMsiRouteCache routes)
    {
        _table = table;
        _routes = routes;
        table.Changed += OnChanged;
        Sync();
    }

    private void OnChanged(MsixChange change)
    {
        if (change.Kind is MsixChangeKind.Entry or MsixChangeKind.Control)
            Sync();
    }

    /// <summary>Holds a route for every programmed entry of an enabled table; releases the rest.</summary>
    private void Sync()
    {
        var state = _table.GetState();
        lock (_lock)
        {
            if (_disposed)
                return;
            foreach (var entry in state.Entries)
            {
                (ulong, uint)? wanted = state.Enabled && entry.Address != 0 ? (entry.Address, entry.Data) : null;
                bool holds = _held.TryGetValue(entry.Vector, out var current);
                if (holds && wanted == current)
                    continue;
                if (holds)
                {
                    _routes.Release(current.Address, current.Data);
                    _held.Remove(entry.Vector);
                }
                if (wanted is var (address, data))
                {
                    _routes.Retain(address, data);
                    _held[entry.Vector] = (address, data);
                }
            }
        }
    }

    public int HeldRoutes
    {
        get { lock (_lock) return _held.Count; }
    }

    public void Dispose()
    {
        _table.Changed -= OnChanged;
        lock (_lock)
        {
            _disposed = true;
            foreach (var (address, data) in _held.Values)
                _routes.Release(address, data);
            _held.Clear();
        }
    }
}
