using PSVmm.Engine.Virtio;
using Xunit;
using static PSVmm.Engine.Virtio.Transport.VirtioPciCommonConfig;
using S = PSVmm.Engine.Virtio.VirtioDeviceStatus;

namespace PSVmm.Tests.Virtio.Transport;

/// <summary>The lock protocol: a device reset waits for its iothread while that thread keeps signalling.</summary>
public sealed class ConcurrencyTests
{
    /// <summary>A device whose "iothread" signals queue 0 continuously while active; OnReset stops and joins it.</summary>
    private sealed class BusyDevice() : FakeVirtioDevice
    {
        private Thread? _worker;
        private volatile bool _stop;
        private long _signalled;

        public long Signalled => Interlocked.Read(ref _signalled);

        public Exception? WorkerFailure { get; private set; }

        protected override void OnActivate(VirtioActivation activation)
        {
            base.OnActivate(activation);
            _stop = false;
            _worker = new Thread(() =>
            {
                try
                {
                    while (!_stop)
                    {
                        if (activation.Interrupts.SignalUsedBuffers(0))
                            Interlocked.Increment(ref _signalled);
                        Thread.Yield();
                    }
                }
                catch (Exception e)
                {
                    WorkerFailure = e;
                }
            })
            { IsBackground = true, Name = "busy-device" };
            _worker.Start();
        }

        protected override void OnReset()
        {
            _stop = true;
            _worker?.Join();
            _worker = null;
            base.OnReset();
        }
    }

    [Fact]
    public void Reset_waits_for_the_iothread_without_deadlock_and_nothing_is_signalled_afterwards()
    {
        var device = new BusyDevice();
        var rig = new TransportRig(device);
        rig.Start();
        SpinWait.SpinUntil(() => device.Signalled > 100, TimeSpan.FromSeconds(5));
        Assert.True(device.Signalled > 100);

        var reset = Task.Run(() => rig.Driver.Status = S.None);
        Assert.True(reset.Wait(TimeSpan.FromSeconds(10)), "reset deadlocked");

        int after = rig.Sink.Msis.Count;
        Thread.Sleep(50);
        Assert.Equal(after, rig.Sink.Msis.Count);
        Assert.Null(device.WorkerFailure);
        Assert.Equal(S.None, rig.Driver.Status);
        Assert.Equal(rig.Transport.GetInfo().Counters.QueueInterrupts, device.Signalled);
    }

    [Fact]
    public void Vcpus_hammering_registers_while_the_iothread_signals_never_fault()
    {
        var device = new BusyDevice();
        var rig = new TransportRig(device);
        rig.Start(msix: false);
        var failures = new List<Exception>();
        var until = DateTime.UtcNow.AddMilliseconds(300);
        var vcpus = Enumerable.Range(0, 2).Select(id => Task.Run(() =>
        {
            var random = new Random(id);
            try
            {
                while (DateTime.UtcNow < until)
                {
                    switch (random.Next(4))
                    {
                        case 0: rig.Driver.ReadIsr(); break;
                        case 1: rig.Driver.Common(QueueSelect, 2, (ulong)random.Next(3)); break;
                        case 2: rig.Driver.Common(QueueSize, 2); break;
                        default: rig.Driver.Common(ConfigGeneration, 1); break;
                    }
                }
            }
            catch (Exception e)
            {
                lock (failures) failures.Add(e);
            }
        })).ToArray();
        Assert.True(Task.WaitAll(vcpus, TimeSpan.FromSeconds(10)));
        Assert.Empty(failures);

        rig.Driver.Status = S.None;
        Assert.Null(device.WorkerFailure);
        // With every interrupt acknowledged by an ISR read or the reset, the line ends low.
        Assert.False(rig.Sink.IsAsserted(rig.IntxGsi));
    }

    [Fact]
    public void A_driver_that_retries_on_a_generation_change_never_accepts_a_torn_configuration()
    {
        var rig = new TransportRig();
        rig.Device.Resize(0);
        long changes = 0;
        var until = DateTime.UtcNow.AddMilliseconds(300);
        var resizer = Task.Run(() =>
        {
            for (uint x = 1; DateTime.UtcNow < until; x++)
            {
                rig.Device.ResizeInTwoSteps((ulong)x << 32 | x);   // halves equal once the update is complete
                Interlocked.Increment(ref changes);
            }
        });
        int accepted = 0, retried = 0;
        while (DateTime.UtcNow < until)
        {
            // §2.5.1 driver side: generation, fields (two 32-bit reads), generation; retry on change.
            long changesBefore = Interlocked.Read(ref changes);
            ulong before = rig.Driver.Common(ConfigGeneration, 1);
            ulong low = rig.Driver.DeviceConfig(0, 4);
            ulong high = rig.Driver.DeviceConfig(4, 4);
            bool changed = rig.Driver.Common(ConfigGeneration, 1) != before;
            // The generation is 8 bits: a descheduled reader may see it wrap; such samples prove nothing.
            if (changed || Interlocked.Read(ref changes) - changesBefore >= 255)
            {
                retried++;
                continue;
            }
            Assert.Equal(low, high);
            accepted++;
        }
        Assert.True(resizer.Wait(TimeSpan.FromSeconds(10)));
        Assert.True(accepted > 0);
    }
}
