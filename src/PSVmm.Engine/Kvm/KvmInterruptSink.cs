using System.Collections.Concurrent;
using PSVmm.Engine.Interrupts;
using PSVmm.Engine.Kvm.Native;
using PSVmm.Engine.Machine;

namespace PSVmm.Engine.Kvm;

/// <summary>
/// Delivers device interrupts to KVM. Lines go through KVM_IRQ_LINE. MSIs go through an irqfd:
/// each distinct (address, data) gets a GSI from <see cref="MemoryLayout.FirstMsiGsi"/> up with an
/// MSI route and an eventfd bound by KVM_IRQFD, and is then raised by writing that eventfd. When
/// no route can be made (table full, routing refused) KVM_SIGNAL_MSI is used. Thread-safe.
/// </summary>
internal sealed class KvmInterruptSink : IInterruptSink, IDisposable
{
    public const int MaxMsiRoutes = 512;

    private readonly KvmVm _vm;
    private readonly object _routingLock = new();
    private readonly GsiRoutingTable _table = new(MemoryLayout.IoApicPins);
    private readonly ConcurrentDictionary<MsiRoute, int> _eventFds = new();
    private readonly List<(int Fd, uint Gsi)> _irqfds = [];
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
        if (_eventFds.TryGetValue(key, out int fd) || TryAddRoute(key, out fd))
        {
            Sys.SignalEventFd(fd);
            return;
        }
        Interlocked.Increment(ref _fallbacks);
        _vm.SignalMsi(address, data);
    }

    private bool TryAddRoute(MsiRoute key, out int fd)
    {
        lock (_routingLock)
        {
            if (_eventFds.TryGetValue(key, out fd))
                return true;
            fd = -1;
            if (_disposed || _routingBroken || _eventFds.Count >= _maxRoutes)
                return false;
            uint gsi = _nextGsi;
            int eventFd = -1;
            try
            {
                eventFd = Sys.EventFd("eventfd(MSI)");
                _table.SetMsi(gsi, key.Address, key.Data);
                _vm.SetGsiRouting(_table);
                _vm.AssignIrqfd(eventFd, gsi);
            }
            catch (KvmException)
            {
                _table.RemoveMsi(gsi);
                Sys.Close(eventFd);
                _routingBroken = true;
                return false;
            }
            _nextGsi++;
            _irqfds.Add((eventFd, gsi));
            _eventFds[key] = eventFd;
            fd = eventFd;
            return true;
        }
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
            foreach (var (fd, gsi) in _irqfds)
            {
                _vm.DeassignIrqfd(fd, gsi);
                Sys.Close(fd);
            }
            _irqfds.Clear();
            _eventFds.Clear();
        }
    }
}
