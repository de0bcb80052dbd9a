using PSVmm.Engine.Kvm.Native;
using PSVmm.Engine.Native;

namespace PSVmm.Engine.Kvm;

/// <summary>
/// A guest write caught in the kernel (KVM_IOEVENTFD): each matching write adds 1 to the
/// eventfd (non-blocking) instead of exiting to userspace. Watch <see cref="Fd"/> with epoll
/// (an IoThread), which resets the count.
/// </summary>
internal sealed class KvmIoEventFd : IDisposable
{
    private readonly KvmVm _vm;
    private EventFd? _eventFd;

    internal KvmIoEventFd(KvmVm vm, EventFd eventFd, ulong address, uint length, bool pio, ulong? dataMatch)
    {
        _vm = vm;
        _eventFd = eventFd;
        Address = address;
        Length = length;
        IsPio = pio;
        DataMatch = dataMatch;
    }

    /// <summary>The eventfd's descriptor; -1 once disposed.</summary>
    public int Fd => Volatile.Read(ref _eventFd)?.Fd ?? -1;
    public ulong Address { get; }
    public uint Length { get; }
    public bool IsPio { get; }
    public ulong? DataMatch { get; }

    public void Dispose()
    {
        var eventFd = Interlocked.Exchange(ref _eventFd, null);
        if (eventFd is null)
            return;
        try
        {
            _vm.SetIoeventfd(eventFd.Fd, Address, Length, IsPio, DataMatch, deassign: true);
        }
        catch (KvmException)
        {
            // The VM may already be gone, which unbinds it too.
        }
        eventFd.Dispose();
    }
}
