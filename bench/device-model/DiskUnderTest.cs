using PSVmm.Engine.Bus;
using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Throttle;
using PSVmm.Engine.Interrupts;
using PSVmm.Engine.Memory;
using PSVmm.Engine.Virtio.Transport;
#if BEFORE_LAYERING
using PSVmm.Engine.Machine;
#else
using PSVmm.Engine.Devices.Block.Device;
using PSVmm.Engine.IoThreads;
#endif

namespace PSVmm.Bench.DeviceModel;

/// <summary>
/// One virtio-blk-pci disk as the machine builds it (image opened O_DIRECT on io_uring unless
/// told otherwise, the device on its own IoThread or a shared one, the modern virtio-pci
/// transport), in plain guest memory with an interrupt sink that only counts. No KVM:
/// notifications enter as an ioeventfd would deliver them.
/// </summary>
internal sealed class DiskUnderTest : IDisposable
{
    private readonly IoThread? _ownIo;
    private readonly VirtioBlock _block;

    /// <param name="ioThread">A shared IoThread (not disposed with the disk); null: the disk's own.</param>
    public DiskUnderTest(string image, GuestMemory memory, ushort queueSize, ThrottleLimits? limits = null,
        BlockCacheMode cache = BlockCacheMode.None, IoThread? ioThread = null)
    {
        Memory = memory;
        _ownIo = ioThread is null ? new IoThread("bench") : null;
        var options = new BlockDeviceOptions(image) { Id = "bench", NumQueues = 1, QueueSize = queueSize, CacheMode = cache, Throttle = limits ?? ThrottleLimits.None };
        _block = VirtioBlock.Open(options, ioThread ?? _ownIo!);
        Transport = new VirtioPciTransport("virtio-blk bench", _block, memory, Interrupts);
        Bar = Transport.GetBarRegion(VirtioPciLayout.Bar)!;
    }

    public GuestMemory Memory { get; }

    public CountingInterruptSink Interrupts { get; } = new();

    public VirtioPciTransport Transport { get; }

    public IDeviceRegion Bar { get; }

    /// <summary>Changes the disk's limits while it runs (what Set-VirtioBlkPci does on a running VM).</summary>
    public void UpdateLimits(ThrottleLimits limits) => _block.UpdateThrottleLimits(limits);

    public void Dispose()
    {
        Transport.Reset();
        _block.Dispose();
        _ownIo?.Dispose();
    }
}

internal sealed class CountingInterruptSink : IInterruptSink
{
    public long Messages;

    public void SignalMsi(ulong address, uint data) => Interlocked.Increment(ref Messages);

    public void SetIrqLine(uint gsi, bool asserted)
    {
    }
}
