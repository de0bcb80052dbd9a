using PSVmm.Engine.Virtio;
using PSVmm.Engine.Virtio.Transport;
using Xunit;
using static PSVmm.Engine.Virtio.Transport.VirtioPciCommonConfig;

namespace PSVmm.Tests.Virtio.Transport;

/// <summary>Every field of struct virtio_pci_common_cfg (virtio 1.2 §4.1.4.3), driven through the BAR.</summary>
public sealed class CommonConfigTests
{
    private readonly TransportRig _rig = new();
    private VirtioPciTestDriver D => _rig.Driver;

    [Fact]
    public void Device_feature_windows_0_and_1_hold_the_offered_bits_and_others_read_0()
    {
        ulong expected = FakeVirtioDevice.Features | VirtioPciTransport.DefaultTransportFeatures;
        Assert.Equal(expected, D.ReadDeviceFeatures());
        D.Common(DeviceFeatureSelect, 4, 2);
        Assert.Equal(2ul, D.Common(DeviceFeatureSelect, 4));
        Assert.Equal(0ul, D.Common(DeviceFeature, 4));
        D.Common(DeviceFeatureSelect, 4, 0xFFFF_FFFF);
        Assert.Equal(0ul, D.Common(DeviceFeature, 4));
    }

    [Fact]
    public void Driver_feature_windows_store_two_halves_and_ignore_other_windows()
    {
        D.WriteDriverFeatures(0x0000_0004_0000_0021);
        D.Common(DriverFeatureSelect, 4, 0);
        Assert.Equal(0x21ul, D.Common(DriverFeature, 4));
        D.Common(DriverFeatureSelect, 4, 1);
        Assert.Equal(0x4ul, D.Common(DriverFeature, 4));
        D.Common(DriverFeatureSelect, 4, 7);
        D.Common(DriverFeature, 4, 0xFFFF_FFFF);
        Assert.Equal(0ul, D.Common(DriverFeature, 4));
        Assert.Equal(0x0000_0004_0000_0021ul, _rig.Transport.GetInfo().DriverFeatures);
    }

    [Fact]
    public void Read_only_fields_ignore_writes()
    {
        var before = Enumerable.Range(0, 0x40).Select(o => D.Common(o, 1)).ToArray();
        D.Common(DeviceFeature, 4, 0);
        D.Common(NumQueues, 2, 77);
        D.Common(ConfigGeneration, 1, 9);
        D.Common(QueueNotifyOff, 2, 5);
        D.Common(QueueNotifyData, 2, 5);
        D.Common(QueueReset, 2, 1);
        var after = Enumerable.Range(0, 0x40).Select(o => D.Common(o, 1)).ToArray();
        Assert.Equal(before, after);
        Assert.Equal(2ul, D.Common(NumQueues, 2));
        Assert.Equal(6, _rig.Transport.GetInfo().Counters.IgnoredRegisterWrites);
    }

    [Fact]
    public void Writes_of_the_wrong_width_or_misaligned_are_ignored()
    {
        D.Common(QueueSelect, 2, 1);
        D.Common(QueueSize, 4, 8);                 // 16-bit field written as 32 bits
        D.Common(QueueSize + 1, 1, 0);             // half a field
        D.Common(QueueDesc + 2, 4, 0xAAAA);        // straddles a 64-bit field's halves
        D.Common(QueueDriver + 4, 8, 0xAAAA);      // 64-bit write at the upper half
        D.Common(DeviceFeatureSelect, 2, 1);       // 32-bit field written as 16 bits
        Assert.Equal((ulong)FakeVirtioDevice.MaxSize, D.Common(QueueSize, 2));
        Assert.Equal(0ul, D.Read64(QueueDesc));
        Assert.Equal(0ul, D.Read64(QueueDriver));
        Assert.Equal(0ul, D.Common(DeviceFeatureSelect, 4));
    }

    [Fact]
    public void Reads_of_any_width_see_the_little_endian_field_image()
    {
        D.Common(QueueSelect, 2, 1);
        D.Write64(QueueDesc, 0x1122_3344_5566_7788);
        Assert.Equal(0x1122_3344_5566_7788ul, D.Common(QueueDesc, 8));
        Assert.Equal(0x88ul, D.Common(QueueDesc, 1));
        Assert.Equal(0x1122ul, D.Common(QueueDesc + 6, 2));
        // num_queues (le16 at 0x12) is the high half of the dword at 0x10 (config_msix_vector = NO_VECTOR).
        Assert.Equal(0x0002_FFFFul, D.Common(ConfigMsixVector, 4));
    }

    [Fact]
    public void Queue_registers_reset_to_max_size_no_vector_disabled_and_zero_addresses()
    {
        for (int q = 0; q < FakeVirtioDevice.Queues; q++)
        {
            D.Common(QueueSelect, 2, (ushort)q);
            Assert.Equal((ulong)FakeVirtioDevice.MaxSize, D.Common(QueueSize, 2));
            Assert.Equal(0xFFFFul, D.Common(QueueMsixVector, 2));
            Assert.Equal(0ul, D.Common(QueueEnable, 2));
            Assert.Equal((ulong)q, D.Common(QueueNotifyOff, 2));
            Assert.Equal(0ul, D.Read64(QueueDesc));
            Assert.Equal(0ul, D.Read64(QueueDriver));
            Assert.Equal(0ul, D.Read64(QueueDevice));
        }
        Assert.Equal(0xFFFFul, D.Common(ConfigMsixVector, 2));
        Assert.Equal(0ul, D.Common(DeviceStatus, 1));
    }

    [Fact]
    public void Queue_select_out_of_range_reads_size_0_and_ignores_queue_writes()
    {
        D.Common(QueueSelect, 2, FakeVirtioDevice.Queues);
        Assert.Equal((ulong)FakeVirtioDevice.Queues, D.Common(QueueSelect, 2));
        Assert.Equal(0ul, D.Common(QueueSize, 2));
        D.SetupQueue(FakeVirtioDevice.Queues, 8, 0x1000, 0x2000, 0x3000, vector: 0);
        Assert.Equal(0ul, D.Common(QueueSize, 2));
        Assert.Equal(0ul, D.Common(QueueEnable, 2));
        Assert.Equal(0ul, D.Read64(QueueDesc));
        D.Common(QueueSelect, 2, 0xFFFF);
        Assert.Equal(0ul, D.Common(QueueSize, 2));
        Assert.All(_rig.Transport.GetInfo().Queues, q => Assert.Equal(0ul, q.DescriptorAddress));
    }

    [Fact]
    public void Queue_fields_are_per_queue_and_64_bit_addresses_take_halves_or_whole_writes()
    {
        D.SetupQueue(0, 8, 0x1_0000_1000, 0x2000, 0x3000, vector: 1, enable: false);
        D.Common(QueueSelect, 2, 1);
        D.Common(QueueSize, 2, 32);
        D.Common(QueueDevice, 8, 0xABCD_0000_4000);
        D.Common(QueueSelect, 2, 0);
        Assert.Equal(8ul, D.Common(QueueSize, 2));
        Assert.Equal(1ul, D.Common(QueueMsixVector, 2));
        Assert.Equal(0x1_0000_1000ul, D.Read64(QueueDesc));
        Assert.Equal(0x2000ul, D.Read64(QueueDriver));
        Assert.Equal(0x3000ul, D.Read64(QueueDevice));
        var queues = _rig.Transport.GetInfo().Queues;
        Assert.Equal(new VirtioQueueConfig(1, 32, 64, false, 0xFFFF, 0, 0, 0xABCD_0000_4000, 1), queues[1]);
    }

    [Theory]
    [InlineData(ConfigMsixVector)]
    [InlineData(QueueMsixVector)]
    public void Msix_vector_beyond_the_table_reads_back_no_vector(int field)
    {
        D.Common(QueueSelect, 2, 0);
        D.Common(field, 2, 2);          // last vector of 3: accepted
        Assert.Equal(2ul, D.Common(field, 2));
        D.Common(field, 2, 3);          // table has 3 vectors
        Assert.Equal(0xFFFFul, D.Common(field, 2));
        D.Common(field, 2, 1);
        D.Common(field, 2, 0x8000);
        Assert.Equal(0xFFFFul, D.Common(field, 2));
    }

    [Fact]
    public void Queue_enable_ignores_0_and_locks_the_queue_layout()
    {
        D.SetupQueue(0, 16, 0x1000, 0x2000, 0x3000);
        Assert.Equal(1ul, D.Common(QueueEnable, 2));
        D.Common(QueueEnable, 2, 0);
        Assert.Equal(1ul, D.Common(QueueEnable, 2));
        D.Common(QueueSize, 2, 8);
        D.Write64(QueueDesc, 0x9000);
        D.Common(QueueDriver, 8, 0x9000);
        D.Write64(QueueDevice, 0x9000);
        Assert.Equal(16ul, D.Common(QueueSize, 2));
        Assert.Equal(0x1000ul, D.Read64(QueueDesc));
        Assert.Equal(0x2000ul, D.Read64(QueueDriver));
        Assert.Equal(0x3000ul, D.Read64(QueueDevice));
        // The vector stays writable: it only routes interrupts.
        D.Common(QueueMsixVector, 2, 1);
        Assert.Equal(1ul, D.Common(QueueMsixVector, 2));
    }

    [Fact]
    public void Driver_features_are_fixed_once_features_ok_is_set()
    {
        Assert.True(D.Negotiate(TransportRig.AcceptedFeatures));
        D.WriteDriverFeatures(VirtioFeatures.Version1);
        Assert.Equal(TransportRig.AcceptedFeatures, _rig.Transport.GetInfo().DriverFeatures);
        Assert.Equal(TransportRig.AcceptedFeatures, _rig.Transport.GetInfo().NegotiatedFeatures);
    }

    [Fact]
    public void Queue_layout_and_enable_are_fixed_after_driver_ok()
    {
        _rig.Start();
        D.Common(QueueSelect, 2, 0);
        D.Common(QueueSize, 2, 4);
        D.Write64(QueueDesc, 0x8000);
        Assert.Equal(16ul, D.Common(QueueSize, 2));
        Assert.NotEqual(0x8000ul, D.Read64(QueueDesc));
    }

    [Fact]
    public void Config_generation_counts_configuration_changes_and_is_read_only()
    {
        byte before = (byte)D.Common(ConfigGeneration, 1);
        _rig.Device.Resize(42);
        _rig.Device.Resize(43);
        Assert.Equal((byte)(before + 2), (byte)D.Common(ConfigGeneration, 1));
        Assert.Equal(43ul, D.DeviceConfig(0, 8));
    }
}
