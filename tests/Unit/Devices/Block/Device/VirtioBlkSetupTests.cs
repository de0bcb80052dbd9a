using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Tests.TestDoubles;
using Xunit;
using F = PSVmm.Engine.Devices.Block.VirtioBlkFeatures;

namespace PSVmm.Tests.Devices.Block.Device;

public sealed class VirtioBlkSetupTests
{
    private static ulong Offered(BlockDeviceOptions options, bool backendReadOnly = false)
    {
        using var backend = new MemoryBlockBackend(1 << 20, backendReadOnly);
        return VirtioBlkSetup.OfferedFeatures(options, backend);
    }

    [Fact]
    public void A_writable_single_queue_disk_offers_flush_wce_limits_discard_and_write_zeroes()
    {
        ulong features = Offered(new BlockDeviceOptions("x") { NumQueues = 1 });
        Assert.Equal(F.Flush | F.ConfigWce | F.SegMax | F.BlkSize | F.Topology | F.Discard | F.WriteZeroes, features);
    }

    [Fact]
    public void Read_only_disks_offer_RO_and_neither_discard_nor_write_zeroes()
    {
        ulong byOption = Offered(new BlockDeviceOptions("x") { NumQueues = 1, ReadOnly = true });
        ulong byBackend = Offered(new BlockDeviceOptions("x") { NumQueues = 1 }, backendReadOnly: true);
        foreach (var features in new[] { byOption, byBackend })
        {
            Assert.NotEqual(0UL, features & F.ReadOnly);
            Assert.Equal(0UL, features & (F.Discard | F.WriteZeroes));
        }
    }

    [Fact]
    public void MQ_only_with_more_than_one_queue_and_discard_options_are_honoured()
    {
        Assert.NotEqual(0UL, Offered(new BlockDeviceOptions("x") { NumQueues = 2 }) & F.MultiQueue);
        ulong off = Offered(new BlockDeviceOptions("x") { NumQueues = 1, Discard = false, WriteZeroes = VirtioBlkWriteZeroesMode.Off });
        Assert.Equal(0UL, off & (F.Discard | F.WriteZeroes | F.MultiQueue));
    }

    [Fact]
    public void Feature_names_come_from_the_virtio_blk_table()
    {
        var names = F.Describe(F.Flush | F.ReadOnly | PSVmm.Engine.Virtio.VirtioFeatures.Version1);
        Assert.Equal(["VIRTIO_BLK_F_RO", "VIRTIO_BLK_F_FLUSH", "VIRTIO_F_VERSION_1"], names);
    }

    [Fact]
    public void Options_validation_names_every_problem()
    {
        var errors = new BlockDeviceOptions("disk.img")
        {
            Id = "disk0",
            Serial = new string('s', 21),
            NumQueues = 0,
            QueueSize = 100,
        }.Validate();
        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.Contains("21 bytes") && e.Contains("at most 20 bytes"));
        Assert.Contains(errors, e => e.Contains("NumQueues 0"));
        Assert.Contains(errors, e => e.Contains("QueueSize 100") && e.Contains("power of two"));
        Assert.Throws<ArgumentException>(() => new BlockDeviceOptions("d") { QueueSize = 2048 }.EnsureValid());
        Assert.Empty(new BlockDeviceOptions("d") { Serial = new string('s', 20) }.Validate());
    }

    [Fact]
    public void Defaults_come_from_the_record_and_the_backend_options_from_it()
    {
        var options = new BlockDeviceOptions("/images/d.img");
        Assert.Equal("d.img", options.Id);
        Assert.Null(options.NumQueues);
        Assert.Equal(256, options.QueueSize);
        Assert.Equal(BlockCacheMode.None, (options with { CacheMode = BlockCacheMode.None }).ToBackendOptions().CacheMode);
        Assert.True((options with { ReadOnly = true }).ToBackendOptions().ReadOnly);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 3)]
    [InlineData(100, BlockDeviceOptions.MaxQueues)]
    public void An_unset_queue_count_is_a_queue_per_vCPU_of_the_VM(int vcpus, int queues)
    {
        var options = new BlockDeviceOptions("d");
        Assert.Throws<InvalidOperationException>(() => options.QueueCount);
        Assert.Equal(queues, options.ForVcpus(vcpus).QueueCount);
        Assert.Equal(2, (options with { NumQueues = 2 }).ForVcpus(vcpus).QueueCount);
    }

    [Fact]
    public void Without_discard_nothing_unmaps_unless_write_zeroes_says_so()
    {
        using var backend = new MemoryBlockBackend(1 << 20);
        var options = new BlockDeviceOptions("x") { NumQueues = 1, Discard = false, WriteZeroes = VirtioBlkWriteZeroesMode.On };
        Assert.Equal(0UL, VirtioBlkSetup.OfferedFeatures(options, backend) & F.Discard);
        Assert.False(VirtioBlkSetup.Limits(options, backend).WriteZeroesMayUnmap);
        Assert.True(VirtioBlkSetup.Limits(options with { WriteZeroes = VirtioBlkWriteZeroesMode.Unmap }, backend).WriteZeroesMayUnmap);
    }
}
