using System.Buffers.Binary;
using PSVmm.Engine.Virtio;
using PSVmm.Engine.Virtio.Transport;
using Xunit;
using static PSVmm.Engine.Virtio.Transport.VirtioPciCommonConfig;
using S = PSVmm.Engine.Virtio.VirtioDeviceStatus;

namespace PSVmm.Tests.Virtio.Transport;

/// <summary>The register file on its own, without a transport: its rules and what it tells the transport.</summary>
public sealed class VirtioPciCommonConfigTests
{
    private const ulong Offered = VirtioFeatures.Version1 | 0x3;
    private readonly VirtioPciCommonConfig _common = new(Offered, queueCount: 2, maxQueueSize: 64, vectorCount: 3);

    private void Write16(int field, ushort value)
    {
        Span<byte> data = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(data, value);
        _common.Write((ulong)field, data);
    }

    private void Write32(int field, uint value)
    {
        Span<byte> data = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(data, value);
        _common.Write((ulong)field, data);
    }

    private void AcceptFeatures()
    {
        Write32(DriverFeatureSelect, 1);
        Write32(DriverFeature, (uint)(VirtioFeatures.Version1 >> 32));
        Assert.False(_common.WriteStatus((byte)(S.Acknowledge | S.Driver | S.FeaturesOk)));
    }

    [Fact]
    public void Queue_registers_are_values_replaced_on_each_write()
    {
        var before = _common.Queue(1);
        Write16(QueueSelect, 1);
        Write16(QueueSize, 16);
        Write32(QueueDesc + 4, 0xA);
        Write32(QueueDesc, 0x1000);
        Write16(QueueMsixVector, 7);        // beyond the table: NO_VECTOR
        Write16(QueueEnable, 1);
        Assert.Equal(new VirtioQueueConfig(1, 64, 64, false, VirtioQueueConfig.NoVector, 0, 0, 0, 1), before);
        Assert.Equal(new VirtioQueueConfig(1, 16, 64, true, VirtioQueueConfig.NoVector, 0xA_0000_1000, 0, 0, 1), _common.Queue(1));
        Write16(QueueSize, 32);             // enabled: fixed
        Assert.Equal(16, _common.Queue(1).Size);
        Assert.Equal(1, _common.IgnoredWrites);
    }

    [Fact]
    public void Driver_ok_is_set_only_when_the_transport_ends_the_start()
    {
        AcceptFeatures();
        Assert.Equal(VirtioFeatures.Version1, _common.NegotiatedFeatures);
        Assert.True(_common.WriteStatus((byte)(S.Acknowledge | S.Driver | S.FeaturesOk | S.DriverOk)));
        _common.BeginDriverOk();
        Write16(QueueSize, 8);              // layouts are fixed while the device starts
        Assert.Equal(64, _common.Queue(0).Size);
        Assert.False(_common.DriverOk);
        Assert.True(_common.EndDriverOk(deviceStarted: true));
        Assert.True(_common.DriverOk);
        Assert.False(_common.DriverOkPending);
    }

    [Fact]
    public void Needs_reset_refuses_driver_ok_and_reset_clears_everything_but_the_generation()
    {
        AcceptFeatures();
        Assert.True(_common.SetNeedsReset("broken"));
        Assert.False(_common.SetNeedsReset("again"));
        Assert.False(_common.WriteStatus((byte)(S.Acknowledge | S.Driver | S.FeaturesOk | S.DriverOk)));
        _common.ConfigurationChanged();
        _common.Reset();
        Assert.Equal(S.None, _common.Status);
        Assert.Null(_common.NeedsResetReason);
        Assert.Equal(0ul, _common.NegotiatedFeatures);
        Assert.Equal(1, _common.Generation);
        Span<byte> image = stackalloc byte[(int)VirtioPciLayout.CommonLength];
        _common.Read(0, image);
        Assert.Equal(64, BinaryPrimitives.ReadUInt16LittleEndian(image[QueueSize..]));
        Assert.Equal(VirtioQueueConfig.NoVector, BinaryPrimitives.ReadUInt16LittleEndian(image[ConfigMsixVector..]));
    }

    [Fact]
    public void A_legacy_pfn_places_the_queue_with_the_legacy_layout()
    {
        _common.LegacyMode = true;
        Span<byte> pfn = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(pfn, 0x10);
        _common.WriteLegacy(LegacyQueuePfn, pfn, msixEnabled: false);
        // 64 descriptors at 0x10000, available ring after them, used ring on the next 4 KiB boundary.
        Assert.Equal(new VirtioQueueConfig(0, 64, 64, true, VirtioQueueConfig.NoVector, 0x1_0000, 0x1_0400, 0x1_1000, 0), _common.Queue(0));
        Span<byte> vector = stackalloc byte[2];
        _common.WriteLegacy(LegacyQueueVector, vector, msixEnabled: false);   // no vector registers without MSI-X
        Assert.Equal(1, _common.IgnoredWrites);
    }
}
