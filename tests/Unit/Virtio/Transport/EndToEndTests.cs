using PSVmm.Engine.Virtio.Transport;
using Xunit;
using S = PSVmm.Engine.Virtio.VirtioDeviceStatus;

namespace PSVmm.Tests.Virtio.Transport;

/// <summary>A whole request through the transport: driver-built split ring, notify, device service, used ring, MSI-X.</summary>
public sealed class EndToEndTests
{
    private const ushort Size = 8;
    private const ulong In = 0x8_0000, Out = 0x8_1000;

    private static (TransportRig Rig, ulong Desc, ulong Avail, ulong Used) Bring(bool msix = true)
    {
        var rig = new TransportRig(new EchoVirtioDevice());
        var d = rig.Driver;
        if (msix)
            d.SetupMsix();
        Assert.True(d.Negotiate(TransportRig.AcceptedFeatures));
        var (desc, avail, used) = VirtioPciTestDriver.SplitRings(TransportRig.RingBase, Size);
        d.SetupQueue(0, Size, desc, avail, used, vector: 0);
        d.Common(VirtioPciCommonConfig.ConfigMsixVector, 2, 2);
        d.AddStatus(S.DriverOk);
        return (rig, desc, avail, used);
    }

    /// <summary>§2.7.5, §2.7.13: a two-descriptor chain (readable In, writable Out) published at avail ring slot idx.</summary>
    private static void Submit(TransportRig rig, ulong desc, ulong avail, ushort head, ushort availIdx, byte[] payload)
    {
        var m = rig.Memory;
        m.Write(In, payload);
        ulong d0 = desc + 16UL * head, d1 = desc + 16UL * (ushort)(head + 1);
        m.Write(d0, In); m.Write(d0 + 8, (uint)payload.Length); m.Write(d0 + 12, (ushort)1); m.Write(d0 + 14, (ushort)(head + 1));
        m.Write(d1, Out); m.Write(d1 + 8, 64u); m.Write(d1 + 12, (ushort)2); m.Write(d1 + 14, (ushort)0);
        m.Write(avail + 4 + 2UL * (ulong)(availIdx % Size), head);
        m.Write(avail + 2, (ushort)(availIdx + 1));
    }

    [Fact]
    public void A_request_is_served_and_completed_with_its_queue_s_msix_vector()
    {
        var (rig, desc, avail, used) = Bring();
        rig.Sink.Clear();
        Submit(rig, desc, avail, head: 0, availIdx: 0, "hello"u8.ToArray());
        rig.Driver.Notify(0);

        Assert.Equal(1, rig.Memory.Read<ushort>(used + 2));                 // used.idx
        Assert.Equal(0u, rig.Memory.Read<uint>(used + 4));                  // used.ring[0].id
        Assert.Equal(5u, rig.Memory.Read<uint>(used + 8));                  // used.ring[0].len
        Assert.Equal("hello"u8.ToArray(), rig.Memory.GetSpan(Out, 5).ToArray());
        var msi = Assert.Single(rig.Sink.Msis);
        Assert.Equal(VirtioPciTestDriver.MessageFor(0), (msi.Address, msi.Data));
        var state = rig.Transport.GetInfo().QueueStates[0];
        Assert.Equal(1ul, state.Notifications);
        Assert.Equal(1ul, state.Completed);
    }

    [Fact]
    public void With_intx_the_completion_sets_isr_and_the_line()
    {
        var (rig, desc, avail, used) = Bring(msix: false);
        Submit(rig, desc, avail, head: 2, availIdx: 0, [1, 2, 3]);
        rig.Driver.Notify(0);
        Assert.Equal(1, rig.Memory.Read<ushort>(used + 2));
        Assert.True(rig.Sink.IsAsserted(rig.IntxGsi));
        Assert.Equal(VirtioPciTransport.IsrQueue, rig.Driver.ReadIsr());
        Assert.False(rig.Sink.IsAsserted(rig.IntxGsi));
    }

    [Fact]
    public void A_malformed_chain_breaks_the_device_with_a_config_interrupt_and_reset_recovers()
    {
        var (rig, desc, avail, used) = Bring();
        rig.Sink.Clear();
        rig.Memory.Write(avail + 4, (ushort)Size);            // head index beyond the table
        rig.Memory.Write(avail + 2, (ushort)1);
        rig.Driver.Notify(0);
        Assert.True(rig.Transport.GetInfo().NeedsReset);
        Assert.Contains("DescriptorIndexOutOfRange", rig.Transport.GetInfo().BrokenReason);
        var msi = Assert.Single(rig.Sink.Msis);
        Assert.Equal(VirtioPciTestDriver.MessageFor(2), (msi.Address, msi.Data));   // the config vector, not the queue's
        Assert.Equal(0, rig.Memory.Read<ushort>(used + 2));

        // The driver resets and starts over with clean rings.
        rig.Memory.GetSpan(TransportRig.RingBase, 0x2000).Clear();
        rig.Driver.Status = S.None;
        Assert.False(rig.Transport.GetInfo().NeedsReset);
        rig.Driver.SetupMsix();
        Assert.True(rig.Driver.Negotiate(TransportRig.AcceptedFeatures));
        rig.Driver.SetupQueue(0, Size, desc, avail, used, vector: 0);
        rig.Driver.AddStatus(S.DriverOk);
        Submit(rig, desc, avail, head: 0, availIdx: 0, [9]);
        rig.Driver.Notify(0);
        Assert.Equal(1, rig.Memory.Read<ushort>(used + 2));
    }
}
