using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using PSVmm.Engine.Interrupts;
using PSVmm.Engine.Kvm.Native;
using PSVmm.Engine.Native;
using PSVmm.Engine.Platform;

namespace PSVmm.Engine.Kvm;

/// <summary>
/// Delivers device interrupts to KVM. Lines go through KVM_IRQ_LINE. MSIs go through an irqfd:
/// each distinct (address, data) gets a GSI from <see cref="MemoryLayout.FirstMsiGsi"/> up with an
/// MSI route and an eventfd bound by KVM_IRQFD, and is then raised by writing that eventfd. When
/// no route can be made (table full, routing refused) KVM_SIGNAL_MSI is used. Thread-safe.
/// </summary>
internal sealed class KvmInterruptSink : IInterruptSink, IMsiRouteCache, IDisposable
{
    public const int MaxMsiRoutes = 512;

    private readonly KvmVm _vm;
    private readonly object _routingLock = new();
    private readonly GsiRoutingTable _table = new(MemoryLayout.IoApicPins);
    private readonly ConcurrentDictionary<MsiRoute, EventFd> _eventFds = new();
    private readonly Dictionary<MsiRoute, (EventFd EventFd, uint Gsi)> _irqfds = [];
    private readonly Dictionary<MsiRoute, int> _retained = [];
    // Released routes leave their eventfd and GSI here for the next route: a vector may still be
    // signalling the old fd on another thread, so it is never closed (and its number never
    // reused for a file) before teardown; at worst the next route sees one spurious interrupt.
    private readonly Stack<EventFd> _spareFds = new();
    private readonly Stack<uint> _spareGsis = new();
    private uint _nextGsi = MemoryLayout.FirstMsiGsi;
    private bool _routingBroken;
    private bool _disposed;

    private readonly int _maxRoutes;

    /// <param name="maxRoutes">how many distinct MSI messages get an irqfd route before KVM_SIGNAL_MSI is used</param>
    public KvmInterruptSink(KvmVm vm, int maxRoutes = MaxMsiRoutes)
    {
        _vm = vm;
        _maxRoutes = maxRoutes;
    }

    /// <summary>MSIs that fell back to KVM_SIGNAL_MSI (no irqfd route).</summary>
    public long FallbackMsiCount => Interlocked.Read(ref _fallbacks);
    private long _fallbacks;

    public void SetIrqLine(uint gsi, bool asserted)
    {
        if (gsi >= MemoryLayout.IoApicPins || Volatile.Read(ref _disposed))
            return;
        try
        {
            _vm.SetIrqLine(gsi, asserted);
        }
        catch (KvmException)
        {
            // Devices call this from guest accesses, which must not throw; a refused line is dropped.
        }
    }

    public void SignalMsi(ulong address, uint data)
    {
        if (Volatile.Read(ref _disposed))
            return;
        var key = new MsiRoute(address, data);
        if (_eventFds.TryGetValue(key, out var eventFd) || TryAddRoute(key, out eventFd))
        {
            eventFd.Signal();
            return;
        }
        Interlocked.Increment(ref _fallbacks);
        _vm.SignalMsi(address, data);
    }

    private bool TryAddRoute(MsiRoute key, [NotNullWhen(true)] out EventFd? fd)
    {
        lock (_routingLock)
        {
            if (_eventFds.TryGetValue(key, out fd))
                return true;
            fd = null;
            if (_disposed || _routingBroken || _eventFds.Count >= _maxRoutes)
                return false;
            bool reused = _spareGsis.Count > 0;
            uint gsi = reused ? _spareGsis.Peek() : _nextGsi;
            EventFd? eventFd = _spareFds.Count > 0 ? _spareFds.Peek() : null;
            try
            {
                eventFd ??= Sys.CreateEventFd("eventfd(MSI)");
                _table.SetMsi(gsi, key.Address, key.Data);
                _vm.SetGsiRouting(_table);
                _vm.AssignIrqfd(eventFd.Fd, gsi);
            }
            catch (KvmException)
            {
                _table.RemoveMsi(gsi);
                if (_spareFds.Count == 0 || _spareFds.Peek() != eventFd)
                    eventFd?.Dispose();
                _routingBroken = true;
                return false;
            }
            if (reused)
                _spareGsis.Pop();
            else
                _nextGsi++;
            if (_spareFds.Count > 0 && _spareFds.Peek() == eventFd)
                _spareFds.Pop();
            _irqfds[key] = (eventFd, gsi);
            _eventFds[key] = eventFd;
            fd = eventFd;
            return true;
        }
    }

    /// <summary>Makes the route for (address, data) now and keeps it until every retainer released it.</summary>
    public void Retain(ulong address, uint data)
    {
        var key = new MsiRoute(address, data);
        lock (_routingLock)
        {
            if (_disposed)
                return;
            _retained[key] = _retained.GetValueOrDefault(key) + 1;
        }
        TryAddRoute(key, out _);
    }

    /// <summary>Drops one hold on (address, data); the last one removes the GSI route and unbinds its irqfd.</summary>
    public void Release(ulong address, uint data)
    {
        var key = new MsiRoute(address, data);
        lock (_routingLock)
        {
            if (_disposed || !_retained.TryGetValue(key, out int holds))
                return;
            if (holds > 1)
            {
                _retained[key] = holds - 1;
                return;
            }
            _retained.Remove(key);
            if (!_irqfds.Remove(key, out var route))
                return;
            _eventFds.TryRemove(key, out _);
            _table.RemoveMsi(route.Gsi);
            try
            {
                _vm.DeassignIrqfd(route.EventFd.Fd, route.Gsi);
                _vm.SetGsiRouting(_table);
            }
            catch (KvmException)
            {
                _routingBroken = true;
            }
            _spareFds.Push(route.EventFd);
            _spareGsis.Push(route.Gsi);
        }
    }

    /// <summary>How many MSI routes exist now (for tests and diagnostics).</summary>
    internal int MsiRouteCount
    {
        get { lock (_routingLock) return _irqfds.Count; }
    }

    /// <summary>The current routing table (for tests and diagnostics).</summary>
    internal GsiRoutingTable RoutingTable => _table;

    public void Dispose()
    {
        lock (_routingLock)
        {
            if (_disposed)
                return;
            _disposed = true;
            foreach (var (eventFd, gsi) in _irqfds.Values)
            {
                _vm.DeassignIrqfd(eventFd.Fd, gsi);
                eventFd.Dispose();
            }
            _irqfds.Clear();
            _eventFds.Clear();
            while (_spareFds.Count > 0)
                _spareFds.Pop().Dispose();
        }
    }
}
