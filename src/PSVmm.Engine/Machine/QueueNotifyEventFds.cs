using PSVmm.Engine.IoThreads;
using PSVmm.Engine.Kvm;
using PSVmm.Engine.Kvm.Native;
using PSVmm.Engine.Pci;
using PSVmm.Engine.Virtio.Transport;

namespace PSVmm.Engine.Machine;

/// <summary>
/// Catches a virtio-pci device's queue notifications in the kernel: one KVM ioeventfd per queue
/// at the notify address (virtio 1.2 §4.1.4.4, notify_off_multiplier 4, so every queue has its
/// own address and no data match is needed), served on the device's IoThread. The fds follow
/// the BAR: bound when the mapper maps it, unbound when the guest moves it or turns memory
/// decode off. Notifications the kernel does not catch still reach the transport by an exit.
/// </summary>
internal sealed class QueueNotifyEventFds : IDisposable
{
    private readonly object _lock = new();
    private readonly KvmVm _vm;
    private readonly PciBarMapper _mapper;
    private readonly VirtioPciTransport _transport;
    private readonly IoThread _io;
    private readonly uint _length;
    private readonly List<(KvmIoEventFd Fd, IDisposable Source)> _bound = [];
    private bool _disposed;

    public QueueNotifyEventFds(KvmVm vm, PciBarMapper mapper, VirtioPciTransport transport, IoThread io)
    {
        _vm = vm;
        _mapper = mapper;
        _transport = transport;
        _io = io;
        // Length 0 matches a write of any width (Linux writes 16 bits); older kernels need the exact width.
        _length = vm.CheckExtension(KvmCap.IoeventfdAnyLength) > 0 ? 0u : 2u;
        mapper.Mapped += OnMapped;
        mapper.Unmapped += OnUnmapped;
        foreach (var mapping in mapper.Mappings)
            OnMapped(mapping);
    }

    public int BoundCount
    {
        get { lock (_lock) return _bound.Count; }
    }

    private bool IsNotifyBar(PciBarMapping m) => ReferenceEquals(m.Device, _transport) && m.BarIndex == VirtioPciLayout.Bar;

    private void OnMapped(PciBarMapping mapping)
    {
        if (!IsNotifyBar(mapping))
            return;
        lock (_lock)
        {
            if (_disposed)
                return;
            UnbindAll();
            foreach (var (queue, address) in _transport.GetNotifyAddresses(mapping.Address))
            {
                var fd = _vm.CreateIoEventFd(address, _length, pio: false);
                int q = queue;
                var source = _io.AddEventFd(fd.Fd, () => _transport.DeliverNotify(q));
                _bound.Add((fd, source));
            }
        }
    }

    private void OnUnmapped(PciBarMapping mapping)
    {
        if (!IsNotifyBar(mapping))
            return;
        lock (_lock)
            UnbindAll();
    }

    private void UnbindAll()
    {
        foreach (var (fd, source) in _bound)
        {
            source.Dispose();
            fd.Dispose();
        }
        _bound.Clear();
    }

    public void Dispose()
    {
        _mapper.Mapped -= OnMapped;
        _mapper.Unmapped -= OnUnmapped;
        lock (_lock)
        {
            _disposed = true;
            UnbindAll();
        }
    }
}
