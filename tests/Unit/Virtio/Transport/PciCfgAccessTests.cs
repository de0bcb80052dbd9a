using PSVmm.Engine.Virtio;
using PSVmm.Engine.Virtio.Transport;
using Xunit;
using static PSVmm.Engine.Virtio.Transport.VirtioPciCommonConfig;

namespace PSVmm.Tests.Virtio.Transport;

/// <summary>The PCI configuration access capability (virtio 1.2 §4.1.4.8): BAR contents through a config-space window.</summary>
public sealed class PciCfgAccessTests
{
    private readonly TransportRig _rig = new();
    private VirtioPciTestDriver D => _rig.Driver;
    private int Cap => D.Caps[VirtioPciCapType.PciConfig].ConfigOffset;

    private void Point(int bar, uint offset, uint length)
    {
        D.ConfWrite(Cap + 4, 1, (uint)bar);
        D.ConfWrite(Cap + 8, 4, offset);
        D.ConfWrite(Cap + 12, 4, length);
    }

    private uint ReadWindow(int size = 4) => D.ConfRead(Cap + 16, size);

    [Fact]
    public void Capability_is_20_bytes_with_bar_offset_length_writable()
    {
        Assert.Equal(20u, D.ConfRead(Cap + 2, 1));
        Assert.Equal((uint)VirtioPciCapType.PciConfig, D.ConfRead(Cap + 3, 1));
        Point(4, 0x12, 2);
        Assert.Equal(4u, D.ConfRead(Cap + 4, 1));
        Assert.Equal(0x12u, D.ConfRead(Cap + 8));
        Assert.Equal(2u, D.ConfRead(Cap + 12));
    }

    [Fact]
    public void Reads_through_the_window_return_bar_contents()
    {
        Point(VirtioPciLayout.Bar, (uint)VirtioPciLayout.CommonOffset + NumQueues, 2);
        Assert.Equal((uint)FakeVirtioDevice.Queues, ReadWindow(2));
        Point(VirtioPciLayout.Bar, (uint)VirtioPciLayout.CommonOffset + DeviceFeatureSelect, 4);
        Assert.Equal(0u, ReadWindow());
        Point(VirtioPciLayout.Bar, (uint)VirtioPciLayout.CommonOffset + DeviceFeature, 4);
        Assert.Equal(unchecked((uint)(FakeVirtioDevice.Features | VirtioPciTransport.DefaultTransportFeatures)), ReadWindow());
        Point(VirtioPciLayout.Bar, (uint)VirtioPciLayout.DeviceConfigOffset, 4);
        Assert.Equal((uint)_rig.Device.Capacity, ReadWindow());
    }

    [Fact]
    public void Writes_through_the_window_reach_the_bar()
    {
        Point(VirtioPciLayout.Bar, (uint)VirtioPciLayout.CommonOffset + DeviceStatus, 1);
        D.ConfWrite(Cap + 16, 1, (byte)VirtioDeviceStatus.Acknowledge);
        Assert.Equal(VirtioDeviceStatus.Acknowledge, D.Status);
        Point(VirtioPciLayout.Bar, (uint)VirtioPciLayout.DeviceConfigOffset + 8, 4);
        D.ConfWrite(Cap + 16, 4, 0xCAFE_F00D);
        Assert.Equal(0xCAFE_F00Du, _rig.Device.Writable);
    }

    [Fact]
    public void Isr_read_through_the_window_clears_it()
    {
        _rig.Start(msix: false);
        _rig.Device.SignalUsed(0);
        Point(VirtioPciLayout.Bar, (uint)VirtioPciLayout.IsrOffset, 1);
        Assert.Equal((uint)VirtioPciTransport.IsrQueue, ReadWindow(1));
        Assert.False(_rig.Sink.IsAsserted(_rig.IntxGsi));
        Assert.Equal(0, D.ReadIsr());
    }

    [Theory]
    [InlineData(4, 0x12u, 3u)]         // length not 1, 2 or 4
    [InlineData(4, 0x13u, 2u)]         // offset not aligned to length
    [InlineData(0, 0x0u, 4u)]          // BAR 0 is not implemented
    [InlineData(4, 0x8000u, 1u)]       // past the end of the 32 KiB BAR
    [InlineData(9, 0x0u, 4u)]          // no such BAR
    public void Invalid_windows_access_nothing(int bar, uint offset, uint length)
    {
        Point(bar, offset, length);
        D.ConfWrite(Cap + 16, 4, 0xFFFF_FFFF);
        Assert.Equal(0xFFFF_FFFFu, ReadWindow());     // the window keeps what the driver wrote
        Assert.Equal(VirtioDeviceStatus.None, D.Status);
        Assert.Equal(0ul, D.Common(DeviceFeatureSelect, 4));
        Assert.Equal(0u, _rig.Device.Writable);
    }
}
