using PSVmm.Engine.Virtio.Queues;
using PSVmm.Tests.TestDoubles;
using Xunit;
using T = PSVmm.Engine.Devices.Block.VirtioBlkRequestType;

namespace PSVmm.Tests.Devices.Block.Device;

/// <summary>
/// The work a guest can cause on the IoThread is bounded: kicks that arrive while a drain is
/// waiting fold into it, and one drain pass serves at most a queue's size of chains before it
/// yields to everything else the IoThread has to do.
/// </summary>
public sealed class DrainBoundsTests
{
    [Fact]
    public void Kicks_that_arrive_while_the_IoThread_is_busy_become_one_drain()
    {
        using var rig = new BlockRig(new MemoryBlockBackend(1 << 20));
        using var gate = new ManualResetEventSlim();
        rig.IoThread.Post(() => gate.Wait(30_000));
        long before = Interlocked.Read(ref rig.Engine.DrainPasses);
        var kicker = Task.Run(() =>
        {
            for (int i = 0; i < 1000; i++)
                rig.Kick(0);
        });
        Assert.True(kicker.Wait(30_000));
        gate.Set();
        rig.Settle();

        Assert.Equal(1, Interlocked.Read(ref rig.Engine.DrainPasses) - before);
    }

    [Fact]
    public void A_ring_that_never_runs_dry_does_not_pin_the_IoThread()
    {
        using var rig = new BlockRig(new MemoryBlockBackend(1 << 20), start: false);
        var endless = new EndlessGetIdQueue(rig);
        rig.Engine.Start(rig.Memory, rig.Features, [endless], _ => { }, rig.FatalErrors.Enqueue);
        try
        {
            rig.Kick(0);
            Assert.True(SpinWait.SpinUntil(() => endless.Pops > 10 * EndlessGetIdQueue.QueueSize, 30_000));

            // Other work on the IoThread still gets its turn while the guest keeps the ring full.
            var other = Task.Run(() => rig.IoThread.Invoke(() => { }));
            Assert.True(other.Wait(15_000), "the IoThread ran nothing else while one queue stayed full");
            Assert.True(Interlocked.Read(ref rig.Engine.DrainPasses) >= 10, "each pass took at most the queue's size of chains");
            Assert.Empty(rig.FatalErrors);
        }
        finally
        {
            endless.RunDry();     // lets a pinned IoThread go, so a failure fails instead of hanging
        }
        rig.Settle();
        rig.Engine.Stop();
    }

    /// <summary>A hostile ring: a GET_ID request is always available, even right after the device turned notifications back on.</summary>
    private sealed class EndlessGetIdQueue : IVirtqueue
    {
        public const ushort QueueSize = 8;
        private readonly DescriptorChain _chain;
        private volatile bool _dry;
        private long _pops;

        public EndlessGetIdQueue(BlockRig rig)
        {
            ulong header = rig.Header(T.GetId, 0);
            ulong id = rig.Allocate(20);
            ulong status = rig.Status();
            _chain = new DescriptorChain(0, 3,
                [new BufferSegment(header, 16, false), new BufferSegment(id, 20, true), new BufferSegment(status, 1, true)],
                1, 16, 21);
        }

        public long Pops => Interlocked.Read(ref _pops);

        public void RunDry() => _dry = true;

        public int Index => 0;
        public ushort MaxSize => QueueSize;
        public ushort Size => QueueSize;
        public ulong DescriptorAreaAddress => 0;
        public ulong DriverAreaAddress => 0;
        public ulong DeviceAreaAddress => 0;
        public bool Enabled => true;
        public ulong Features => 0;
        public VirtqueueFormat Format => VirtqueueFormat.Split;

        public void Enable(RingGeometry geometry, ulong negotiatedFeatures) { }

        public void Reset() { }

        public bool TryPop(out DescriptorChain chain)
        {
            chain = _chain;
            if (_dry)
                return false;
            Interlocked.Increment(ref _pops);
            return true;
        }

        public bool AddUsed(DescriptorChain chain, uint writtenLength) => false;

        public bool NeedsNotification() => false;

        public bool EnableGuestNotifications() => !_dry;

        public void DisableGuestNotifications() { }

        public void RecordDriverNotification() { }

        public VirtqueueState Snapshot() => throw new NotSupportedException();
    }
}
