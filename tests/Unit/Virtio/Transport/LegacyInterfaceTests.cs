using PSVmm.Engine.Virtio;
using PSVmm.Engine.Virtio.Transport;
using PSVmm.Tests.Pci;
using Xunit;
using static PSVmm.Engine.Pci.PciConfigRegisters;
using S = PSVmm.Engine.Virtio.VirtioDeviceStatus;

namespace PSVmm.Tests.Virtio.Transport;

/// <summary>The legacy interface of a transitional device (virtio 1.2 §4.1.4.10), driven through port I/O like a virtio 0.9.5 driver.</summary>
public sealed class LegacyInterfaceTests
{
    private readonly TransportRig _rig = new(new EchoVirtioDevice(), transitional: true);
    private ulong Io => _rig.Driver.ConfRead(BarOffset(0)) & ~3ul;

    private ulong In(int register, int size) => _rig.Pio.Read(Io + (ulong)register, size);

    private void Out(int register, int size, ulong value) => _rig.Pio.Write(Io + (ulong)register, size, value);

    [Fact]
    public void Transitional_identity_and_an_io_bar_0()
    {
        var rig = new TransportRig(new FakeVirtioDevice(VirtioDeviceType.Block), transitional: true);
        Assert.Equal(0x1001u, rig.Driver.ConfRead(DeviceId, 2));
        Assert.Equal(2u, rig.Driver.ConfRead(SubsystemId, 2));
        Assert.Equal(0u, rig.Driver.ConfRead(RevisionId, 1));
        Assert.Equal(1u, rig.Driver.ConfRead(BarOffset(0)) & 1);
        Assert.NotNull(rig.Root.Mapper.MappedAddress(rig.Transport, 0));
        // The modern capabilities are still there.
        Assert.Equal(5, rig.Driver.Caps.Count);
    }

    /// <summary>A legacy driver's initialisation (Linux virtio_pci_legacy): reset, ACK, DRIVER, features, PFN per queue, DRIVER_OK.</summary>
    private void LegacyStart(uint guestFeatures, uint pfn0 = 0x10)
    {
        Out(0x12, 1, 0);
        Out(0x12, 1, (byte)S.Acknowledge);
        Out(0x12, 1, (byte)(S.Acknowledge | S.Driver));
        Out(0x04, 4, guestFeatures);
        Out(0x0E, 2, 0);
        Out(0x08, 4, pfn0);
        Out(0x12, 1, (byte)(S.Acknowledge | S.Driver | S.DriverOk));
    }

    [Fact]
    public void Legacy_registers_report_features_queue_size_and_status()
    {
        Assert.Equal(unchecked((ulong)(uint)(FakeVirtioDevice.Features | VirtioPciTransport.DefaultTransportFeatures)), In(0x00, 4));
        Out(0x0E, 2, 1);
        Assert.Equal(1ul, In(0x0E, 2));
        Assert.Equal((ulong)FakeVirtioDevice.MaxSize, In(0x0C, 2));
        Out(0x0E, 2, 2);
        Assert.Equal(0ul, In(0x0C, 2));                       // no queue 2
        Out(0x0C, 2, 8);                                      // read-only
        Out(0x0E, 2, 0);
        Assert.Equal((ulong)FakeVirtioDevice.MaxSize, In(0x0C, 2));
        Out(0x12, 1, (byte)S.Acknowledge);
        Assert.Equal((ulong)S.Acknowledge, In(0x12, 1));
        Assert.True(_rig.Transport.InLegacyMode);
        var info = _rig.Transport.GetInfo();
        Assert.True(info.Transitional);
        Assert.True(info.LegacyMode);
    }

    [Fact]
    public void Driver_ok_activates_with_the_legacy_ring_layout_and_the_written_features()
    {
        LegacyStart(guestFeatures: 1u << 5 | 1u << 7);     // bit 7 was not offered: masked
        Assert.Equal((ulong)(S.Acknowledge | S.Driver | S.DriverOk), In(0x12, 1));
        var activation = Assert.Single(_rig.Device.Activations);
        Assert.Equal(1ul << 5, activation.NegotiatedFeatures);
        var q = activation.Queues[0];
        Assert.Equal(0x1_0000ul, q.DescriptorAddress);
        Assert.Equal(0x1_0000ul + 16 * 64, q.DriverAddress);
        Assert.Equal(0x1_1000ul, q.DeviceAddress);            // avail ends at 0x10486: next 4 KiB boundary
        Assert.Equal(64, q.Size);
        Assert.False(activation.Queues[1].Enabled);
        Assert.Equal(0x10ul, In(0x08, 4));
    }

    [Fact]
    public void Legacy_notify_serves_the_queue_and_interrupts_through_isr_and_intx()
    {
        LegacyStart(0);
        var m = _rig.Memory;
        m.Write(0x8_0000, "legacy"u8.ToArray());
        m.Write(0x1_0000ul, 0x8_0000ul); m.Write(0x1_0008ul, 6u); m.Write(0x1_000Cul, (ushort)1); m.Write(0x1_000Eul, (ushort)1);
        m.Write(0x1_0010ul, 0x8_1000ul); m.Write(0x1_0018ul, 64u); m.Write(0x1_001Cul, (ushort)2);
        ulong avail = 0x1_0000 + 16 * 64;
        m.Write(avail + 4, (ushort)0);
        m.Write(avail + 2, (ushort)1);
        Out(0x10, 2, 0);
        Assert.Equal([0], _rig.Device.Notifies);
        Assert.Equal(1, m.Read<ushort>(0x1_1000 + 2));
        Assert.Equal("legacy"u8.ToArray(), m.GetSpan(0x8_1000, 6).ToArray());
        Assert.True(_rig.Sink.IsAsserted(_rig.IntxGsi));
        Assert.Equal((ulong)VirtioPciTransport.IsrQueue, In(0x13, 1));
        Assert.False(_rig.Sink.IsAsserted(_rig.IntxGsi));
        Assert.Equal(0ul, In(0x13, 1));
    }

    [Fact]
    public void Device_configuration_moves_behind_the_msix_vectors_when_msix_is_enabled()
    {
        ulong capacity = _rig.Device.Capacity;
        Assert.Equal((uint)capacity, In(0x14, 4));
        _rig.Driver.SetupMsix();
        Assert.Equal((uint)capacity, In(0x18, 4));
        Out(0x14, 2, 2);
        Assert.Equal(2ul, In(0x14, 2));
        Out(0x0E, 2, 1);
        Out(0x16, 2, 3);                                     // beyond the 3-entry table
        Assert.Equal(0xFFFFul, In(0x16, 2));
        Out(0x16, 2, 1);
        Assert.Equal(1ul, In(0x16, 2));
        Out(0x18 + 8, 4, 0xBEEF);
        Assert.Equal(0xBEEFu, _rig.Device.Writable);
    }

    [Fact]
    public void Pfn_0_disables_a_queue_and_reset_leaves_legacy_mode()
    {
        Out(0x0E, 2, 0);
        Out(0x08, 4, 0x20);
        Out(0x08, 4, 0);
        Assert.False(_rig.Transport.GetInfo().Queues[0].Enabled);
        Out(0x12, 1, 0);
        Assert.False(_rig.Transport.InLegacyMode);
    }

    [Fact]
    public void A_modern_driver_still_works_on_a_transitional_device()
    {
        _rig.Start();
        Assert.Equal(S.DriverOk, _rig.Driver.Status & (S.DriverOk | S.DeviceNeedsReset));
        Assert.True(Assert.Single(_rig.Device.Activations).HasFeature(VirtioFeatures.Version1Bit));
        Assert.False(_rig.Transport.InLegacyMode);
    }
}
