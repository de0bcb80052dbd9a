using PSVmm.Engine.Virtio;
using Xunit;

namespace PSVmm.Tests.Virtio.Queues;

public class VirtioFeaturesTests
{
    [Fact]
    public void BitsHaveTheirSpecPositions()
    {
        Assert.Equal(1UL << 28, VirtioFeatures.IndirectDesc);
        Assert.Equal(1UL << 29, VirtioFeatures.EventIdx);
        Assert.Equal(1UL << 32, VirtioFeatures.Version1);
        Assert.Equal(1UL << 33, VirtioFeatures.AccessPlatform);
        Assert.Equal(1UL << 34, VirtioFeatures.RingPacked);
        Assert.Equal(1UL << 35, VirtioFeatures.InOrder);
        Assert.Equal(1UL << 36, VirtioFeatures.OrderPlatform);
        Assert.Equal(1UL << 37, VirtioFeatures.SrIov);
        Assert.Equal(1UL << 38, VirtioFeatures.NotificationData);
        Assert.Equal(1UL << 39, VirtioFeatures.NotifConfigData);
        Assert.Equal(1UL << 40, VirtioFeatures.RingReset);
    }

    [Fact]
    public void DescribeNamesTransportBitsLowestFirst()
    {
        var names = VirtioFeatures.Describe(VirtioFeatures.Version1 | VirtioFeatures.IndirectDesc | VirtioFeatures.RingPacked);
        Assert.Equal(new[] { "VIRTIO_F_INDIRECT_DESC", "VIRTIO_F_VERSION_1", "VIRTIO_F_RING_PACKED" }, names);
    }

    [Fact]
    public void DescribeUsesDeviceNamesAndShowsUnknownBits()
    {
        var block = new Dictionary<int, string> { [1] = "VIRTIO_BLK_F_SIZE_MAX", [9] = "VIRTIO_BLK_F_FLUSH" };
        var names = VirtioFeatures.Describe((1UL << 1) | (1UL << 9) | (1UL << 5) | (1UL << 63) | VirtioFeatures.EventIdx, block);
        Assert.Equal(new[] { "VIRTIO_BLK_F_SIZE_MAX", "bit 5", "VIRTIO_BLK_F_FLUSH", "VIRTIO_F_EVENT_IDX", "bit 63" }, names);
    }

    [Fact]
    public void DescribeOfNothingIsEmpty() => Assert.Empty(VirtioFeatures.Describe(0));

    [Fact]
    public void HasRequiresEveryBit()
    {
        ulong f = VirtioFeatures.Version1 | VirtioFeatures.EventIdx;
        Assert.True(VirtioFeatures.Has(f, VirtioFeatures.Version1));
        Assert.True(VirtioFeatures.Has(f, VirtioFeatures.Version1 | VirtioFeatures.EventIdx));
        Assert.False(VirtioFeatures.Has(f, VirtioFeatures.Version1 | VirtioFeatures.RingPacked));
    }
}
