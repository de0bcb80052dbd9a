using PSVmm.Engine.IoThreads;
using Xunit;
using S = PSVmm.Engine.Virtio.VirtioDeviceStatus;

namespace PSVmm.Tests.Virtio.Transport;

/// <summary>The intended threading: kicks handed to a real IoThread, the device served there, reset quiescing through it.</summary>
public sealed class IoThreadTests
{
    /// <summary>Serves queues on the IoThread; OnReset runs on the IoThread too, so no queue work can overlap it.</summary>
    private sealed class IoThreadEchoDevice(IoThread io) : EchoVirtioDeviceBase
    {
        public int ThreadMismatches;

        protected override void OnQueueNotify(int queue)
        {
            if (!io.IsCurrentThread)
                Interlocked.Increment(ref ThreadMismatches);
            base.OnQueueNotify(queue);
        }

        protected override void OnReset() => io.Invoke(() => base.OnReset());
    }

    [Fact]
    public void Kicks_posted_to_an_iothread_complete_with_an_msix_interrupt_and_reset_quiesces_through_it()
    {
        var errors = new List<Exception>();
        using var io = new IoThread("virtio-test", (_, e) => { lock (errors) errors.Add(e); });
        var device = new IoThreadEchoDevice(io);
        var rig = new TransportRig(device);
        rig.Start();
        rig.Sink.Clear();

        var (desc, avail, used) = VirtioPciTestDriver.SplitRings(TransportRig.RingBase, 16);
        var m = rig.Memory;
        m.Write(0x8_0000, "iothread"u8.ToArray());
        m.Write(desc, 0x8_0000ul); m.Write(desc + 8, 8u); m.Write(desc + 12, (ushort)1); m.Write(desc + 14, (ushort)1);
        m.Write(desc + 16, 0x8_1000ul); m.Write(desc + 24, 64u); m.Write(desc + 28, (ushort)2);
        m.Write(avail + 4, (ushort)0);
        m.Write(avail + 2, (ushort)1);
        // What an ioeventfd on the queue's notify address does: the iothread delivers the kick.
        io.Post(() => rig.Transport.DeliverNotify(0));

        Assert.True(SpinWait.SpinUntil(() => rig.Sink.Msis.Count > 0, TimeSpan.FromSeconds(5)));
        Assert.Equal(VirtioPciTestDriver.MessageFor(0), (rig.Sink.Msis[0].Address, rig.Sink.Msis[0].Data));
        Assert.Equal(1, m.Read<ushort>(used + 2));
        Assert.Equal("iothread"u8.ToArray(), m.GetSpan(0x8_1000, 8).ToArray());

        rig.Driver.Status = S.None;
        Assert.Equal(S.None, rig.Driver.Status);
        Assert.Equal(0, device.ThreadMismatches);
        Assert.Empty(errors);
    }
}
