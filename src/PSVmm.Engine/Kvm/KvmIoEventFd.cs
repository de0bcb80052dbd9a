using PSVmm.Engine.Kvm.Native;
using Tmds.Linux;

namespace PSVmm.Engine.Kvm;

/// <summary>
/// A guest write caught in the kernel (KVM_IOEVENTFD): each matching write adds 1 to the
/// eventfd (non-blocking) instead of exiting to userspace. Watch <see cref="Fd"/> with epoll
/// (an IoThread); <see cref="Consume"/> reads and resets the count.
/// </summary>
internal sealed unsafe class KvmIoEventFd : IDisposable
{
    private readonly KvmVm _vm;
    private int _fd;

    internal KvmIoEventFd(KvmVm vm, int fd, ulong address, uint length, bool pio, ulong? dataMatch)
    {
        _vm = vm;
        _fd = fd;
        Address = address;
        Length = length;
        IsPio = pio;
        DataMatch = dataMatch;
    }

    public int Fd => _fd;
    public ulong Address { get; }
    public uint Length { get; }
    public bool IsPio { get; }
    public ulong? DataMatch { get; }

    /// <summary>The number of writes since the last call (0 when none).</summary>
    public ulong Consume()
    {
        ulong count = 0;
        return LibC.read(_fd, &count, 8) == 8 ? count : 0;
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd < 0)
            return;
        try
        {
            _vm.SetIoeventfd(fd, Address, Length, IsPio, DataMatch, deassign: true);
        }
        catch (KvmException)
        {
            // The VM may already be gone, which unbinds it too.
        }
        Sys.Close(fd);
    }
}
