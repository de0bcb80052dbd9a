using System.Buffers.Binary;
using PSVmm.Engine.Devices.Block;
using PSVmm.Tests.TestDoubles;
using Xunit;

namespace PSVmm.Tests.Devices.Block.Device;

public sealed class VirtioBlkConfigTests
{
    private static VirtioBlkConfig Create(BlockDeviceOptions? options = null, int size = 8 << 20, bool readOnly = false, int blockSize = 512)
    {
        using var backend = new MemoryBlockBackend(size, readOnly, blockSize);
        return VirtioBlkSetup.CreateConfig(options ?? new BlockDeviceOptions("x") { NumQueues = 4, QueueSize = 128 }, backend);
    }

    private static byte[] Image(VirtioBlkConfig config)
    {
        var image = new byte[VirtioBlkConfig.Size];
        config.Read(0, image);
        return image;
    }

    [Fact]
    public void Layout_matches_virtio_blk_config()
    {
        var image = Image(Create(blockSize: 4096));
        Assert.Equal((ulong)(8 << 20) / 512, BinaryPrimitives.ReadUInt64LittleEndian(image));
        Assert.Equal(126u, BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(12)));          // seg_max = queue size - 2
        Assert.Equal(4096u, BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(20)));         // blk_size
        Assert.Equal(1, image[32]);                                                             // writeback
        Assert.Equal(4, BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(34)));             // num_queues
        Assert.Equal(32u, BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(40)));           // max_discard_seg
        Assert.Equal(8u, BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(44)));            // discard_sector_alignment: 4096 / 512
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(36)) % 8);        // max_discard_sectors aligned
        Assert.Equal(32u, BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(52)));           // max_write_zeroes_seg
        Assert.Equal(1, image[56]);                                                             // write_zeroes_may_unmap
    }

    [Fact]
    public void Reads_at_any_offset_and_width_slice_the_same_image_and_past_the_end_read_zero()
    {
        var config = Create();
        var image = Image(config);
        for (int offset = 0; offset < VirtioBlkConfig.Size + 8; offset += 3)
        {
            foreach (int width in new[] { 1, 2, 4, 8 })
            {
                var data = new byte[width];
                Array.Fill(data, (byte)0xAA);
                config.Read(offset, data);
                for (int i = 0; i < width; i++)
                {
                    byte expected = offset + i < VirtioBlkConfig.Size ? image[offset + i] : (byte)0;
                    Assert.Equal(expected, data[i]);
                }
            }
        }

        var negative = new byte[4] { 1, 2, 3, 4 };
        config.Read(-1, negative);
        Assert.Equal(new byte[4], negative);
    }

    [Fact]
    public void Only_writeback_is_writable_and_only_with_config_wce()
    {
        var config = Create();
        var before = Image(config);
        Assert.False(config.Write(VirtioBlkConfig.WritebackOffset, [0], configWceNegotiated: false));
        Assert.True(config.Writeback);

        Assert.False(config.Write(0, new byte[8] { 1, 2, 3, 4, 5, 6, 7, 8 }, configWceNegotiated: true));
        Assert.False(config.Write(VirtioBlkConfig.WritebackOffset, [7], configWceNegotiated: true));
        Assert.Equal(before, Image(config));

        // A 4-byte write spanning writeback and num_queues changes writeback only.
        Assert.True(config.Write(VirtioBlkConfig.WritebackOffset, new byte[4] { 0, 0, 9, 9 }, configWceNegotiated: true));
        Assert.False(config.Writeback);
        var after = Image(config);
        Assert.Equal(0, after[VirtioBlkConfig.WritebackOffset]);
        after[VirtioBlkConfig.WritebackOffset] = 1;
        Assert.Equal(before, after);

        config.Reset();
        Assert.True(config.Writeback);
    }

    [Fact]
    public void Discard_fields_are_zero_when_discard_and_write_zeroes_are_off()
    {
        var image = Image(Create(new BlockDeviceOptions("x") { NumQueues = 1, Discard = false, WriteZeroes = VirtioBlkWriteZeroesMode.Off }));
        Assert.All(image.AsSpan(36, 24).ToArray(), b => Assert.Equal(0, b));
    }
}
