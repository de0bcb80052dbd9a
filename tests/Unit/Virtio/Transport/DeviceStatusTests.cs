using PSVmm.Engine.Virtio;
using Xunit;
using static PSVmm.Engine.Virtio.Transport.VirtioPciCommonConfig;
using S = PSVmm.Engine.Virtio.VirtioDeviceStatus;

namespace PSVmm.Tests.Virtio.Transport;

/// <summary>The device status state machine (virtio 1.2 §2.1, §2.2, §2.4, §3.1.1).</summary>
public sealed class DeviceStatusTests
{
    private readonly TransportRig _rig = new();
    private VirtioPciTestDriver D => _rig.Driver;

    [Fact]
    public void Negotiation_accepts_a_subset_of_offered_features_with_version_1()
    {
        Assert.True(D.Negotiate(VirtioFeatures.Version1 | 1UL << 5));
        Assert.Equal(S.Acknowledge | S.Driver | S.FeaturesOk, D.Status);
        var info = _rig.Transport.GetInfo();
        Assert.Equal(VirtioFeatures.Version1 | 1UL << 5, info.NegotiatedFeatures);
        Assert.Equal("Acknowledge, Driver, FeaturesOk", info.Status.ToString());
    }

    [Fact]
    public void Features_ok_is_refused_when_the_driver_accepts_a_bit_not_offered()
    {
        Assert.False(D.Negotiate(TransportRig.AcceptedFeatures | 1UL << 7));
        Assert.Equal(S.Acknowledge | S.Driver, D.Status);
        Assert.Contains("not offered", _rig.Transport.LastFeatureRefusal);
        Assert.Equal(1, _rig.Transport.GetInfo().Counters.RefusedFeatures);
        Assert.Equal(0ul, _rig.Transport.GetInfo().NegotiatedFeatures);
    }

    [Fact]
    public void Features_ok_is_refused_without_version_1()
    {
        Assert.False(D.Negotiate(FakeVirtioDevice.Features));
        Assert.Equal(S.Acknowledge | S.Driver, D.Status);
        Assert.Contains("VERSION_1", _rig.Transport.LastFeatureRefusal);
        // DRIVER_OK without FEATURES_OK is dropped too: nothing is activated.
        D.AddStatus(S.DriverOk);
        Assert.Equal(S.Acknowledge | S.Driver, D.Status);
        Assert.Empty(_rig.Device.Activations);
    }

    [Fact]
    public void Writes_that_clear_a_set_bit_are_ignored()
    {
        Assert.True(D.Negotiate(TransportRig.AcceptedFeatures));
        D.Status = S.Acknowledge;
        Assert.Equal(S.Acknowledge | S.Driver | S.FeaturesOk, D.Status);
        D.Status = S.Acknowledge | S.FeaturesOk | S.DriverOk;
        Assert.Equal(S.Acknowledge | S.Driver | S.FeaturesOk, D.Status);
        Assert.Empty(_rig.Device.Activations);
    }

    [Fact]
    public void Bits_out_of_order_are_dropped()
    {
        D.Status = S.Driver;
        Assert.Equal(S.None, D.Status);
        D.Status = S.Acknowledge | S.FeaturesOk;
        Assert.Equal(S.Acknowledge, D.Status);
        D.Status = S.Acknowledge | S.Driver;                  // one write adding DRIVER in order
        Assert.Equal(S.Acknowledge | S.Driver, D.Status);
        D.WriteDriverFeatures(TransportRig.AcceptedFeatures);
        D.Status = S.Acknowledge | S.Driver | S.FeaturesOk | S.DriverOk;   // both, in order, in one write
        Assert.Equal(S.Acknowledge | S.Driver | S.FeaturesOk | S.DriverOk, D.Status);
    }

    [Fact]
    public void The_driver_can_neither_set_nor_clear_needs_reset()
    {
        D.Status = S.Acknowledge | S.DeviceNeedsReset;
        Assert.Equal(S.Acknowledge, D.Status);
        _rig.Device.Fail("broken");
        Assert.Equal(S.Acknowledge | S.DeviceNeedsReset, D.Status);
        D.Status = S.Acknowledge | S.Driver;         // the driver writes back without NEEDS_RESET
        Assert.Equal(S.Acknowledge | S.Driver | S.DeviceNeedsReset, D.Status);
        Assert.Equal("broken", _rig.Transport.GetInfo().BrokenReason);
    }

    [Fact]
    public void Driver_ok_activates_the_device_with_the_programmed_queues_and_features()
    {
        _rig.Start();
        Assert.Equal(S.Acknowledge | S.Driver | S.FeaturesOk | S.DriverOk, D.Status);
        var activation = Assert.Single(_rig.Device.Activations);
        Assert.Same(_rig.Memory, activation.Memory);
        Assert.Equal(TransportRig.AcceptedFeatures, activation.NegotiatedFeatures);
        Assert.True(activation.HasFeature(VirtioFeatures.Version1Bit));
        Assert.Equal(2, activation.Queues.Count);
        var (desc, drv, dev) = VirtioPciTestDriver.SplitRings(TransportRig.RingBase + 0x1_0000, 16);
        Assert.Equal(new VirtioQueueConfig(1, 16, 64, true, 1, desc, drv, dev, 1), activation.Queues[1]);
        Assert.True(_rig.Device.IsActive);
        Assert.True(_rig.Transport.GetInfo().Active);
    }

    [Fact]
    public void Driver_ok_with_a_disabled_queue_activates_it_as_disabled_without_checking_it()
    {
        Assert.True(D.Negotiate(TransportRig.AcceptedFeatures));
        var (desc, drv, dev) = VirtioPciTestDriver.SplitRings(TransportRig.RingBase, 8);
        D.SetupQueue(0, 8, desc, drv, dev);
        D.SetupQueue(1, 3, 0xFFFF_FFFF_0000, 1, 1, enable: false);   // garbage, but never enabled
        D.AddStatus(S.DriverOk);
        Assert.Equal(S.DriverOk, D.Status & (S.DriverOk | S.DeviceNeedsReset));
        var activation = Assert.Single(_rig.Device.Activations);
        Assert.True(activation.Queues[0].Enabled);
        Assert.False(activation.Queues[1].Enabled);
    }

    [Fact]
    public void Failed_is_accepted_at_any_time()
    {
        D.Status = S.Acknowledge;
        D.Status = S.Acknowledge | S.Failed;
        Assert.Equal(S.Acknowledge | S.Failed, D.Status);
    }

    [Fact]
    public void Reset_restores_every_register_to_its_initial_state_and_stops_the_device()
    {
        var initial = Enumerable.Range(0, 0x40).Select(o => D.Common(o, 1)).ToArray();
        _rig.Start();
        _rig.Device.Fail("oops");
        D.Common(DeviceFeatureSelect, 4, 1);
        D.Common(DriverFeatureSelect, 4, 1);
        D.Common(QueueSelect, 2, 1);
        byte generation = (byte)D.Common(ConfigGeneration, 1);
        int resets = _rig.Device.ResetCount;

        D.Status = S.None;

        // §4.1.4.3.2: the driver waits for status 0; the write returned after the reset, so it reads 0 at once.
        Assert.Equal(S.None, D.Status);
        Assert.Equal(resets + 1, _rig.Device.ResetCount);
        Assert.False(_rig.Device.IsActive);
        var info = _rig.Transport.GetInfo();
        Assert.Null(info.BrokenReason);
        Assert.Equal(0ul, info.DriverFeatures);
        Assert.Equal(0ul, info.NegotiatedFeatures);
        Assert.False(info.Active);
        Assert.All(info.Queues, q => Assert.Equal(new VirtioQueueConfig(q.Index, 64, 64, false, 0xFFFF, 0, 0, 0, (ushort)q.Index), q));
        var after = Enumerable.Range(0, 0x40).Select(o => D.Common(o, 1)).ToArray();
        after[ConfigGeneration] = initial[ConfigGeneration];
        Assert.Equal(initial, after);
        // config_generation keeps counting across resets (it never goes back).
        Assert.Equal(generation, (byte)D.Common(ConfigGeneration, 1));

        // And the device can be brought up again.
        _rig.Start();
        Assert.Equal(2, _rig.Device.Activations.Count);
        Assert.Equal(S.DriverOk, D.Status & (S.DriverOk | S.DeviceNeedsReset));
    }

    [Fact]
    public void Reset_revokes_the_old_activation_so_late_completions_raise_nothing()
    {
        _rig.Start();
        var old = _rig.Device.Current!;
        D.Status = S.None;
        _rig.Sink.Clear();
        Assert.False(old.Interrupts.SignalUsedBuffers(0));
        Assert.Empty(_rig.Sink.Msis);
        Assert.Empty(_rig.Sink.LineChanges);
    }

    [Fact]
    public void A_device_that_fails_to_start_needs_reset_and_is_not_activated()
    {
        var rig = new TransportRig(new FakeVirtioDevice { ThrowOnActivate = true });
        rig.Start();
        Assert.Equal(S.DeviceNeedsReset, rig.Driver.Status & (S.DriverOk | S.DeviceNeedsReset));
        Assert.Contains("backend missing", rig.Transport.GetInfo().BrokenReason);
        Assert.False(rig.Transport.GetInfo().Active);
        Assert.Equal(VirtioPciTestDriver.MessageFor(2), (rig.Sink.Msis[^1].Address, rig.Sink.Msis[^1].Data));
        // DRIVER_OK stays refused until the driver resets.
        rig.Driver.AddStatus(S.DriverOk);
        Assert.Equal(0, rig.Transport.GetInfo().Counters.Activations);
    }

    [Fact]
    public void Transport_reset_method_behaves_like_a_driver_write_of_0()
    {
        _rig.Start();
        int resets = _rig.Device.ResetCount;
        long counted = _rig.Transport.GetInfo().Counters.Resets;
        _rig.Transport.Reset();
        Assert.Equal(S.None, D.Status);
        Assert.False(_rig.Device.IsActive);
        Assert.Equal(resets + 1, _rig.Device.ResetCount);
        Assert.Equal(counted + 1, _rig.Transport.GetInfo().Counters.Resets);
    }
}
