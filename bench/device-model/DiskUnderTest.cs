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
/// One virtio-blk-pci disk as the machine builds it (image opened O_DIRECT on io_uring, the
/// device on its own IoThread, the modern virtio-pci transport), in plain guest memory with an
/// interrupt sink that only counts. No KVM: notifications enter as an ioeventfd would deliver them.
/// </summary>
internal sealed class DiskUnderTest : IDisposable
{
    private readonly IoThread _io;
    private readonly VirtioBlock _block;

    public DiskUnderTest(string image, GuestMemory memory, ushort queueSize, ThrottleLimits? limits = null)
    {
        Memory = memory;
        _io = new IoThread("bench");
        var options = new BlockDeviceOptions(image) { Id = "bench", NumQueues = 1, QueueSize = queueSize, CacheMode = BlockCacheMode.None, Throttle = limits ?? ThrottleLimits.None };
        _block = VirtioBlock.Open(options, _io);
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
        _io.Dispose();
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
