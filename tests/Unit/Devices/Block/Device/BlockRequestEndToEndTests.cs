using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Tests.Devices.Block.Backend;
using PSVmm.Tests.Virtio.Queues;
using Xunit;
using T = PSVmm.Engine.Devices.Block.VirtioBlkRequestType;

namespace PSVmm.Tests.Devices.Block.Device;

/// <summary>Each request type from the guest's descriptors to the image file and back, over split and packed rings.</summary>
public sealed class BlockRequestEndToEndTests
{
    private const long ImageSize = 1 << 20;
    private const ulong Capacity = ImageSize / 512;

    public static TheoryData<bool> Formats => new() { false, true };

    private static (TempImage Image, BlockRig Rig) Open(bool packed, BlockDeviceOptions? options = null)
    {
        var image = TempImage.CreatePatterned(ImageSize, seed: 3);
        options ??= new BlockDeviceOptions(image.Path) { NumQueues = 1, Serial = "PSVMM-TEST" };
        options = options with { Path = image.Path };
        var backend = RawFileBackend.Open(options.ToBackendOptions());
        return (image, new BlockRig(backend, options, packed));
    }

    private static byte[] Pattern(long offset, int length, int seed = 3)
    {
        var bytes = new byte[length];
        TempImage.Pattern(offset, bytes, seed);
        return bytes;
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Read_returns_the_image_bytes_with_status_ok_and_used_length_data_plus_status(bool packed)
    {
        var (image, rig) = Open(packed);
        using (image)
        using (rig)
        {
            var read = rig.AddRead(0, sector: 10, length: 4096);
            Assert.Equal(4096u + 1, rig.Run(read));
            Assert.Equal(VirtioBlkStatus.Ok, rig.ReadStatus(read.Status));
            Assert.Equal(Pattern(10 * 512, 4096), rig.Read(read.Data, 4096));
            Assert.Contains(0, rig.Signals);
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Write_lands_in_the_image_file_and_reports_one_written_byte(bool packed)
    {
        var (image, rig) = Open(packed);
        using (image)
        using (rig)
        {
            var content = Enumerable.Range(0, 1024).Select(i => (byte)(i * 7 + 1)).ToArray();
            var write = rig.AddWrite(0, sector: 7, content);
            Assert.Equal(1u, rig.Run(write));
            Assert.Equal(VirtioBlkStatus.Ok, rig.ReadStatus(write.Status));
            Assert.Equal(content, image.ReadRange(7 * 512, 1024));
            Assert.Equal(Pattern(6 * 512, 512), image.ReadRange(6 * 512, 512));
            Assert.Equal(Pattern(9 * 512, 512), image.ReadRange(9 * 512, 512));
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Multi_segment_requests_with_the_header_split_and_the_status_sharing_a_data_buffer(bool packed)
    {
        var (image, rig) = Open(packed);
        using (image)
        using (rig)
        {
            // Header in two pieces (5 + 11 bytes), data in three, the last 512 data bytes and the
            // status byte in one 513-byte buffer: framing is free (§2.7.4.1).
            ulong header = rig.Header(T.In, 20);
            ulong a = rig.Allocate(512), b = rig.Allocate(1024), c = rig.Allocate(513, 0xFF);
            ushort id = rig.Drivers[0].AddChain(DriverBuffer.Out(header, 5), DriverBuffer.Out(header + 5, 11),
                DriverBuffer.In(a, 512), DriverBuffer.In(b, 1024), DriverBuffer.In(c, 513));
            rig.Kick();
            var used = rig.WaitUsed(0, 1)[0];
            Assert.Equal(new UsedEntry(id, 2049), used);
            var expected = Pattern(20 * 512, 2048);
            Assert.Equal(expected[..512], rig.Read(a, 512));
            Assert.Equal(expected[512..1536], rig.Read(b, 1024));
            Assert.Equal(expected[1536..], rig.Read(c, 512));
            Assert.Equal(VirtioBlkStatus.Ok, rig.ReadStatus(c + 512));

            // A write gathered from three readable buffers.
            ulong wh = rig.Header(T.Out, 100);
            var content = Enumerable.Range(0, 1536).Select(i => (byte)(i ^ 0x5A)).ToArray();
            ulong w1 = rig.Bytes(content[..100]), w2 = rig.Bytes(content[100..1000]), w3 = rig.Bytes(content[1000..]);
            ulong status = rig.Status();
            rig.Drivers[0].AddChain(DriverBuffer.Out(wh, 16), DriverBuffer.Out(w1, 100), DriverBuffer.Out(w2, 900),
                DriverBuffer.Out(w3, 536), DriverBuffer.In(status, 1));
            rig.Kick();
            Assert.Equal(1u, rig.WaitUsed(0, 1)[0].Length);
            Assert.Equal(VirtioBlkStatus.Ok, rig.ReadStatus(status));
            Assert.Equal(content, image.ReadRange(100 * 512, 1536));
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Indirect_requests_are_served(bool packed)
    {
        var (image, rig) = Open(packed);
        using (image)
        using (rig)
        {
            ulong table = rig.Allocate(16 * 4);
            ulong header = rig.Header(T.In, 3);
            ulong a = rig.Allocate(512), b = rig.Allocate(512);
            ulong status = rig.Status();
            ushort id = rig.Drivers[0].AddIndirect(table, DriverBuffer.Out(header, 16), DriverBuffer.In(a, 512),
                DriverBuffer.In(b, 512), DriverBuffer.In(status, 1));
            rig.Kick();
            Assert.Equal(new UsedEntry(id, 1025), rig.WaitUsed(0, 1)[0]);
            Assert.Equal(VirtioBlkStatus.Ok, rig.ReadStatus(status));
            Assert.Equal(Pattern(3 * 512, 1024), rig.Read(a, 512).Concat(rig.Read(b, 512)).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Requests_past_the_capacity_or_not_in_whole_sectors_get_IOERR(bool packed)
    {
        var (image, rig) = Open(packed);
        using (image)
        using (rig)
        {
            var lastSector = rig.AddRead(0, Capacity - 1, 512);
            Assert.Equal(513u, rig.Run(lastSector));
            Assert.Equal(VirtioBlkStatus.Ok, rig.ReadStatus(lastSector.Status));

            foreach (var (sector, length) in new[] { (Capacity - 1, 1024u), (Capacity, 512u), (ulong.MaxValue, 512u), (ulong.MaxValue / 512 + 1, 512u), (0UL, 700u) })
            {
                var read = rig.AddRead(0, sector, length);
                Assert.Equal(1u, rig.Run(read));
                Assert.Equal(VirtioBlkStatus.IoError, rig.ReadStatus(read.Status));
                Assert.All(rig.Read(read.Data, (int)length), b => Assert.Equal(0xEE, b));
            }

            var write = rig.AddWrite(0, Capacity, new byte[512]);
            Assert.Equal(1u, rig.Run(write));
            Assert.Equal(VirtioBlkStatus.IoError, rig.ReadStatus(write.Status));
            Assert.Equal(image.ReadAll(), Pattern(0, (int)ImageSize));
            Assert.False(rig.Engine.IsBroken);
            Assert.Empty(rig.FatalErrors);
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Data_in_the_wrong_direction_gets_IOERR(bool packed)
    {
        var (image, rig) = Open(packed);
        using (image)
        using (rig)
        {
            // IN with a readable data buffer after the header.
            ulong header = rig.Header(T.In, 0);
            ulong data = rig.Allocate(512, 0xEE);
            ulong status = rig.Status();
            rig.Drivers[0].AddChain(DriverBuffer.Out(header, 16), DriverBuffer.Out(data, 512), DriverBuffer.In(status, 1));
            rig.Kick();
            rig.WaitUsed(0, 1);
            Assert.Equal(VirtioBlkStatus.IoError, rig.ReadStatus(status));

            // OUT whose data is device-writable.
            ulong wh = rig.Header(T.Out, 0);
            ulong wdata = rig.Allocate(512, 0x11);
            ulong wstatus = rig.Status();
            rig.Drivers[0].AddChain(DriverBuffer.Out(wh, 16), DriverBuffer.In(wdata, 512), DriverBuffer.In(wstatus, 1));
            rig.Kick();
            rig.WaitUsed(0, 1);
            Assert.Equal(VirtioBlkStatus.IoError, rig.ReadStatus(wstatus));
            Assert.Equal(Pattern(0, 512), image.ReadRange(0, 512));
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void A_read_only_disk_refuses_writes_discards_and_write_zeroes_but_reads_and_flushes(bool packed)
    {
        var (image, rig) = Open(packed, new BlockDeviceOptions("x") { NumQueues = 1, ReadOnly = true });
        using (image)
        using (rig)
        {
            Assert.NotEqual(0UL, rig.Features & VirtioBlkFeatures.ReadOnly);
            var write = rig.AddWrite(0, 0, new byte[512]);
            rig.Run(write);
            Assert.Equal(VirtioBlkStatus.IoError, rig.ReadStatus(write.Status));

            var read = rig.AddRead(0, 0, 512);
            rig.Run(read);
            Assert.Equal(VirtioBlkStatus.Ok, rig.ReadStatus(read.Status));

            var flush = rig.AddBare(0, (uint)T.Flush);
            rig.Run(flush);
            Assert.Equal(VirtioBlkStatus.Ok, rig.ReadStatus(flush.Status));

            // Discard/write-zeroes were not offered, so the driver cannot have negotiated them.
            var discard = rig.AddRanges(0, T.Discard, (0, 8, 0));
            rig.Run(discard);
            Assert.Equal(VirtioBlkStatus.Unsupported, rig.ReadStatus(discard.Status));
            Assert.Equal(Pattern(0, (int)ImageSize), image.ReadAll());
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Unknown_types_get_UNSUPP_and_the_device_goes_on(bool packed)
    {
        var (image, rig) = Open(packed);
        using (image)
        using (rig)
        {
            foreach (uint type in new uint[] { 2, 99, (uint)T.GetLifetime, (uint)T.SecureErase, uint.MaxValue })
            {
                var request = rig.AddBare(0, type);
                Assert.Equal(1u, rig.Run(request));
                Assert.Equal(VirtioBlkStatus.Unsupported, rig.ReadStatus(request.Status));
            }

            var read = rig.AddRead(0, 0, 512);
            rig.Run(read);
            Assert.Equal(VirtioBlkStatus.Ok, rig.ReadStatus(read.Status));
            Assert.Equal(5, rig.Engine.GetStatistics().Unsupported.Errors);
        }
    }

    [Theory]
    [InlineData("PSVMM-TEST", 512, 20)]
    [InlineData("PSVMM-TEST", 8, 8)]
    [InlineData("ABCDEFGHIJKLMNOPQRST", 20, 20)]
    [InlineData("", 20, 20)]
    public void GetId_copies_the_serial_zero_padded_to_twenty_bytes_or_what_fits(string serial, int bufferLength, int expectedBytes)
    {
        var (image, rig) = Open(packed: false, new BlockDeviceOptions("x") { NumQueues = 1, Serial = serial });
        using (image)
        using (rig)
        {
            ulong header = rig.Header(T.GetId, 0);
            ulong data = rig.Allocate((uint)bufferLength, 0xEE);
            ulong status = rig.Status();
            rig.Drivers[0].AddChain(DriverBuffer.Out(header, 16), DriverBuffer.In(data, (uint)bufferLength), DriverBuffer.In(status, 1));
            rig.Kick();
            Assert.Equal((uint)expectedBytes + 1, rig.WaitUsed(0, 1)[0].Length);
            Assert.Equal(VirtioBlkStatus.Ok, rig.ReadStatus(status));

            var padded = new byte[20];
            System.Text.Encoding.ASCII.GetBytes(serial).CopyTo(padded, 0);
            var got = rig.Read(data, bufferLength);
            Assert.Equal(padded[..expectedBytes], got[..expectedBytes]);
            Assert.All(got[expectedBytes..], b => Assert.Equal(0xEE, b));
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Discard_and_write_zeroes_make_ranges_read_zero_and_unmap_frees_blocks(bool packed)
    {
        var (image, rig) = Open(packed);
        using (image)
        using (rig)
        {
            long blocksBefore = image.AllocatedBlocks();
            // Two discard segments, a write-zeroes with UNMAP and one without.
            var discard = rig.AddRanges(0, T.Discard, (256, 256, 0), (1024, 128, 0));
            var unmap = rig.AddRanges(0, T.WriteZeroes, (512, 256, 1));
            var zero = rig.AddRanges(0, T.WriteZeroes, (1536, 8, 0));
            rig.Kick();
            var used = rig.WaitUsed(0, 3);
            Assert.All(used, u => Assert.Equal(1u, u.Length));
            foreach (var request in new[] { discard, unmap, zero })
            {
                Assert.Equal(VirtioBlkStatus.Ok, rig.ReadStatus(request.Status));
            }

            var all = image.ReadAll();
            foreach (var (sector, count) in new[] { (256, 256), (1024, 128), (512, 256), (1536, 8) })
            {
                Assert.All(all.AsSpan(sector * 512, count * 512).ToArray(), b => Assert.Equal(0, b));
            }

            Assert.Equal(Pattern(255 * 512, 512), all.AsSpan(255 * 512, 512).ToArray());
            Assert.Equal(Pattern(1544 * 512, 512), all.AsSpan(1544 * 512, 512).ToArray());
            // 640 sectors were punched; splitting the extent tree may cost the file system a metadata block or two.
            Assert.True(image.AllocatedBlocks() <= blocksBefore - (256 + 128 + 256) + 16, $"st_blocks {blocksBefore} -> {image.AllocatedBlocks()}");
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Bad_discard_and_write_zeroes_requests_are_refused_without_touching_the_image(bool packed)
    {
        var (image, rig) = Open(packed);
        using (image)
        using (rig)
        {
            var cases = new (T Type, (ulong, uint, uint)[] Segments, byte Status)[]
            {
                (T.Discard, [(0, 8, 1)], VirtioBlkStatus.Unsupported),            // UNMAP on discard
                (T.WriteZeroes, [(0, 8, 2)], VirtioBlkStatus.Unsupported),        // reserved flag
                (T.Discard, Enumerable.Repeat((0UL, 8u, 0u), 33).ToArray(), VirtioBlkStatus.Unsupported), // > max_discard_seg
                (T.Discard, [(Capacity - 4, 8, 0)], VirtioBlkStatus.IoError),     // past the end
                (T.WriteZeroes, [(0, uint.MaxValue, 0)], VirtioBlkStatus.IoError),// > max sectors
            };
            foreach (var (type, segments, status) in cases)
            {
                var request = rig.AddRanges(0, type, segments);
                rig.Run(request);
                Assert.Equal(status, rig.ReadStatus(request.Status));
            }

            Assert.Equal(Pattern(0, (int)ImageSize), image.ReadAll());
        }
    }
}
