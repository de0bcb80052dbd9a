using PSVmm.Engine.Pci;
using PSVmm.Engine.Virtio;
using PSVmm.Engine.Virtio.Transport;
using Xunit;
using static PSVmm.Engine.Pci.PciConfigRegisters;

namespace PSVmm.Tests.Virtio.Transport;

public sealed class VirtioPciDiscoveryTests
{
    [Fact]
    public void Identity_follows_the_modern_virtio_pci_rules_through_conf1_and_ecam()
    {
        var rig = new TransportRig(new FakeVirtioDevice(VirtioDeviceType.Block));
        var d = rig.Driver;
        Assert.Equal(TransportRig.Slot, d.Slot);
        foreach (var read in new Func<int, int, uint>[] { d.ConfRead, d.EcamRead })
        {
            Assert.Equal(0x1AF4u, read(VendorId, 2));
            Assert.Equal(0x1042u, read(DeviceId, 2));        // 0x1040 + block (2)
            Assert.Equal(1u, read(RevisionId, 1));
            Assert.Equal(0x01_80_00u, read(RevisionId, 4) >> 8);
            Assert.Equal(0x1AF4u, read(SubsystemVendorId, 2));
            Assert.Equal(2u, read(SubsystemId, 2));
            Assert.Equal(1u, read(InterruptPin, 1));
        }
    }

    [Fact]
    public void Capabilities_describe_every_structure_inside_the_mapped_64_bit_bar()
    {
        var rig = new TransportRig();
        var d = rig.Driver;
        Assert.Equal(
            new[] { VirtioPciCapType.CommonConfig, VirtioPciCapType.IsrConfig, VirtioPciCapType.DeviceConfig, VirtioPciCapType.NotifyConfig, VirtioPciCapType.PciConfig },
            d.Caps.Keys.ToArray());
        var common = d.Caps[VirtioPciCapType.CommonConfig];
        Assert.Equal(VirtioPciLayout.Bar, common.Bar);
        Assert.True(common.Length >= 0x38);
        Assert.Equal(1u, d.Caps[VirtioPciCapType.IsrConfig].Length);
        Assert.Equal((uint)FakeVirtioDevice.ConfigBytes, d.Caps[VirtioPciCapType.DeviceConfig].Length);
        Assert.Equal(4u, d.Caps[VirtioPciCapType.NotifyConfig].NotifyOffMultiplier);
        Assert.Equal(8u, d.Caps[VirtioPciCapType.NotifyConfig].Length);   // two queues, 4 bytes each

        // §4.1.4.1: structures are 4-byte aligned (common, notify, device) and lie inside their BAR.
        ulong barSize = rig.Transport.Config.GetBar(VirtioPciLayout.Bar)!.Size;
        foreach (var cap in d.Caps.Values.Where(c => c.Type != VirtioPciCapType.PciConfig))
        {
            Assert.True(cap.Offset + cap.Length <= barSize, $"{cap.Type} exceeds the BAR");
            if (cap.Type != VirtioPciCapType.IsrConfig)
                Assert.Equal(0u, cap.Offset % 4);
        }

        // BAR 4 is a 64-bit memory BAR and the PCI root mapped it where the register says.
        Assert.Equal(0x4u, d.ConfRead(BarOffset(4)) & 0x7);
        Assert.Equal(d.BarAddress(4), rig.Root.Mapper.MappedAddress(rig.Transport, 4));

        // MSI-X: one vector per queue plus configuration, table and PBA in the same BAR.
        Assert.Equal(FakeVirtioDevice.Queues + 1, d.MsixVectors);
        Assert.Equal(4u, d.ConfRead(d.MsixCapOffset + 4) & 7);
        Assert.Equal(4u, d.ConfRead(d.MsixCapOffset + 8) & 7);
    }

    [Fact]
    public void A_64_bit_window_places_the_bar_above_4_GiB_and_the_driver_still_reaches_it()
    {
        var rig = new TransportRig(windows: PciWindows.Default(mmio64Start: 0x80_0000_0000, mmio64Size: 0x10_0000_0000));
        Assert.True(rig.Driver.BarAddress(4) >= 0x80_0000_0000);
        Assert.Equal((ulong)FakeVirtioDevice.Queues, rig.Driver.Common(VirtioPciCommonConfig.NumQueues, 2));
    }

    [Fact]
    public void Device_type_picks_device_id_and_class()
    {
        Assert.Equal(0x02_00_00u, VirtioPciTransport.ClassCodeFor(VirtioDeviceType.Network));
        var rig = new TransportRig(new FakeVirtioDevice(VirtioDeviceType.Entropy));
        Assert.Equal(0x1044u, rig.Driver.ConfRead(DeviceId, 2));
        Assert.Equal(0x00_FF_00u, rig.Driver.ConfRead(RevisionId) >> 8);
    }

    [Fact]
    public void Transport_refuses_device_features_in_the_transport_range_and_transport_features_without_version_1()
    {
        Assert.Throws<ArgumentException>(() => new BadFeatureDevice());
        Assert.Throws<ArgumentException>(() => new VirtioPciTransport("x", new FakeVirtioDevice(), new TransportTestMemory(0x1000),
            new TestDoubles.RecordingInterruptSink(), VirtioFeatures.EventIdx));
    }

    private sealed class BadFeatureDevice() : VirtioDevice(VirtioDeviceType.Entropy, 1, 8, 1UL << 32, 0)
    {
        protected override void ReadConfigBytes(int offset, Span<byte> data) { }
        protected override void OnActivate(VirtioActivation activation) { }
        protected override void OnReset() { }
        protected override void OnQueueNotify(int queue) { }
    }
}
