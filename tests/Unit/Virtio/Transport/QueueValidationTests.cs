using PSVmm.Engine.Virtio;
using PSVmm.Engine.Virtio.Transport;
using Xunit;
using S = PSVmm.Engine.Virtio.VirtioDeviceStatus;

namespace PSVmm.Tests.Virtio.Transport;

/// <summary>DRIVER_OK checks every enabled queue (virtio 1.2 §2.7, §2.8); a bad one sets DEVICE_NEEDS_RESET and notifies.</summary>
public sealed class QueueValidationTests
{
    private static void BringUpWith(TransportRig rig, ushort size, ulong desc, ulong driver, ulong device, ulong features = TransportRig.AcceptedFeatures, bool msix = true)
    {
        var d = rig.Driver;
        if (msix)
            d.SetupMsix();
        Assert.True(d.Negotiate(features));
        d.Common(VirtioPciCommonConfig.ConfigMsixVector, 2, 2);
        var (d1, a1, u1) = VirtioPciTestDriver.SplitRings(TransportRig.RingBase + 0x1_0000, 16);
        d.SetupQueue(0, size, desc, driver, device, vector: 0);
        d.SetupQueue(1, 16, d1, a1, u1, vector: 1);
        d.AddStatus(S.DriverOk);
    }

    private static void AssertBrokenWithConfigInterrupt(TransportRig rig, string reasonFragment)
    {
        Assert.Equal(S.DeviceNeedsReset, rig.Driver.Status & (S.DriverOk | S.DeviceNeedsReset));
        Assert.Empty(rig.Device.Activations);
        Assert.Contains(reasonFragment, rig.Transport.GetInfo().BrokenReason);
        var msi = Assert.Single(rig.Sink.Msis);
        Assert.Equal(VirtioPciTestDriver.MessageFor(2), (msi.Address, msi.Data));
        Assert.False(rig.Transport.DeliverNotify(0));   // nothing is live
    }

    [Theory]
    [InlineData(0, "QueueSizeZero")]
    [InlineData(12, "QueueSizeNotPowerOfTwo")]
    [InlineData(128, "QueueSizeTooLarge")]
    public void Bad_split_queue_size_needs_reset_with_a_config_interrupt(int size, string reason)
    {
        var rig = new TransportRig();
        var (desc, drv, dev) = VirtioPciTestDriver.SplitRings(TransportRig.RingBase, 128);
        BringUpWith(rig, (ushort)size, desc, drv, dev);
        AssertBrokenWithConfigInterrupt(rig, reason);
    }

    [Fact]
    public void Packed_rings_accept_a_size_that_is_not_a_power_of_two()
    {
        var rig = new TransportRig();
        BringUpWith(rig, 12, 0x1_0000, 0x2_0000, 0x2_1000, TransportRig.AcceptedFeatures | VirtioFeatures.RingPacked);
        Assert.Equal(S.DriverOk, rig.Driver.Status & (S.DriverOk | S.DeviceNeedsReset));
        Assert.Equal(12, rig.Device.Activations[0].Queues[0].Size);
    }

    [Theory]
    [InlineData(0x10_0000 - 16 * 16 + 16, 0x2_0000, 0x3_0000, "DescriptorAreaOutsideRam")]   // runs past the end of RAM
    [InlineData(0x1_0000, 0xC000_0000, 0x3_0000, "DriverAreaOutsideRam")]                 // in the MMIO hole
    [InlineData(0x1_0000, 0x2_0000, 0xFFFF_FFFF_FFFF_FF00, "DeviceAreaOutsideRam")]            // wraps the address space
    public void Ring_outside_guest_ram_needs_reset(ulong desc, ulong driver, ulong device, string area)
    {
        var rig = new TransportRig();
        BringUpWith(rig, 16, desc, driver, device);
        AssertBrokenWithConfigInterrupt(rig, area);
        Assert.Contains("queue 0: ", rig.Transport.GetInfo().BrokenReason);
    }

    [Fact]
    public void Ring_ending_exactly_at_the_end_of_ram_is_accepted()
    {
        var rig = new TransportRig();
        BringUpWith(rig, 16, 0x10_0000 - 16 * 16 - 0x1000, 0x10_0000 - (6 + 2 * 16), 0x3_0000);
        Assert.Null(rig.Transport.GetInfo().BrokenReason);
        Assert.Equal(S.DriverOk, rig.Driver.Status & (S.DriverOk | S.DeviceNeedsReset));
    }

    [Theory]
    [InlineData(0x1_0008, 0x2_0000, 0x3_0000, "DescriptorAreaMisaligned")]
    [InlineData(0x1_0000, 0x2_0001, 0x3_0000, "DriverAreaMisaligned")]
    [InlineData(0x1_0000, 0x2_0000, 0x3_0002, "DeviceAreaMisaligned")]
    public void Misaligned_ring_needs_reset(ulong desc, ulong driver, ulong device, string area)
    {
        var rig = new TransportRig();
        BringUpWith(rig, 16, desc, driver, device);
        AssertBrokenWithConfigInterrupt(rig, area);
        Assert.Contains("aligned", rig.Transport.GetInfo().BrokenReason);
    }

    [Fact]
    public void Bad_queue_with_msix_disabled_raises_isr_config_bit_and_intx()
    {
        var rig = new TransportRig();
        BringUpWith(rig, 3, 0x1_0000, 0x2_0000, 0x3_0000, msix: false);
        Assert.Equal(S.DeviceNeedsReset, rig.Driver.Status & (S.DriverOk | S.DeviceNeedsReset));
        Assert.True(rig.Sink.IsAsserted(rig.IntxGsi));
        Assert.Equal(VirtioPciTransport.IsrConfig, rig.Driver.ReadIsr());
        Assert.False(rig.Sink.IsAsserted(rig.IntxGsi));
    }

    [Fact]
    public void After_a_reset_the_driver_can_fix_the_queue_and_start()
    {
        var rig = new TransportRig();
        BringUpWith(rig, 12, 0x1_0000, 0x2_0000, 0x3_0000);
        Assert.Empty(rig.Device.Activations);
        var (desc, drv, dev) = VirtioPciTestDriver.SplitRings(TransportRig.RingBase, 8);
        BringUpWith(rig, 8, desc, drv, dev);
        Assert.Equal(S.DriverOk, rig.Driver.Status & (S.DriverOk | S.DeviceNeedsReset));
        Assert.Single(rig.Device.Activations);
    }

    [Fact]
    public void Packed_event_suppression_areas_must_be_4_byte_aligned()
    {
        var rig = new TransportRig();
        BringUpWith(rig, 12, 0x1_0000, 0x2_0002, 0x2_1000, TransportRig.AcceptedFeatures | VirtioFeatures.RingPacked);
        AssertBrokenWithConfigInterrupt(rig, "DriverAreaMisaligned");
    }

    [Fact]
    public void Started_queues_are_handed_to_the_device_and_a_failed_start_leaves_none_running()
    {
        var rig = new TransportRig();
        rig.Start();
        var activation = Assert.Single(rig.Device.Activations);
        Assert.All(activation.Virtqueues, q => Assert.True(q.Enabled));
        Assert.Equal(16, activation.Virtqueues[1].Size);

        var broken = new TransportRig();
        var (desc, drv, dev) = VirtioPciTestDriver.SplitRings(TransportRig.RingBase, 8);
        broken.Driver.SetupMsix();
        Assert.True(broken.Driver.Negotiate(TransportRig.AcceptedFeatures));
        broken.Driver.SetupQueue(0, 8, desc, drv, dev);               // good
        broken.Driver.SetupQueue(1, 8, desc, drv, 0xC000_0000);       // used ring in the MMIO hole
        broken.Driver.AddStatus(S.DriverOk);
        Assert.Contains("queue 1: DeviceAreaOutsideRam", broken.Transport.GetInfo().BrokenReason);
        Assert.All(broken.Transport.GetInfo().QueueStates, q => Assert.False(q.Enabled));
    }
}
