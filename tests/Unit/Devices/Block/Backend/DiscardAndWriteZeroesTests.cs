using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Backend.Engines;
using Xunit;
using static PSVmm.Tests.Devices.Block.Backend.BackendDriver;

namespace PSVmm.Tests.Devices.Block.Backend;

public sealed class DiscardAndWriteZeroesTests
{
    private const int ImageSize = 4 << 20;
    private const long RangeOffset = 1 << 20;
    private const int RangeLength = 1 << 20;

    public static TheoryData<BlockIoEngineKind> Engines => new() { BlockIoEngineKind.IoUring, BlockIoEngineKind.ThreadPool };

    [Theory]
    [MemberData(nameof(Engines))]
    public void Discard_makes_the_range_read_zero_and_frees_its_blocks(BlockIoEngineKind engine)
    {
        using var image = TempImage.CreatePatterned(ImageSize);
        long blocksBefore = image.AllocatedBlocks();
        using (var backend = RawFileBackend.Open(new BlockBackendOptions(image.Path) { Engine = engine }))
        {
            AssertSucceeded(RunOne(backend, BlockIoRequest.Discard(RangeOffset, RangeLength, 1)), RangeLength);
        }

        AssertRangeZeroedAndNeighboursIntact(image);
        // ext4, xfs, btrfs and tmpfs all punch holes; /tmp here is ext4.
        Assert.True(image.AllocatedBlocks() <= blocksBefore - RangeLength / 512,
            $"st_blocks went from {blocksBefore} to {image.AllocatedBlocks()}");
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void WriteZeroes_with_unmap_zeroes_and_frees_the_range(BlockIoEngineKind engine)
    {
        using var image = TempImage.CreatePatterned(ImageSize);
        long blocksBefore = image.AllocatedBlocks();
        using (var backend = RawFileBackend.Open(new BlockBackendOptions(image.Path) { Engine = engine }))
        {
            AssertSucceeded(RunOne(backend, BlockIoRequest.WriteZeroes(RangeOffset, RangeLength, unmap: true, 1)), RangeLength);
        }

        AssertRangeZeroedAndNeighboursIntact(image);
        Assert.True(image.AllocatedBlocks() <= blocksBefore - RangeLength / 512);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void WriteZeroes_without_unmap_zeroes_and_keeps_the_range_allocated(BlockIoEngineKind engine)
    {
        using var image = TempImage.CreatePatterned(ImageSize);
        long blocksBefore = image.AllocatedBlocks();
        using (var backend = RawFileBackend.Open(new BlockBackendOptions(image.Path) { Engine = engine }))
        {
            AssertSucceeded(RunOne(backend, BlockIoRequest.WriteZeroes(RangeOffset, RangeLength, unmap: false, 1)), RangeLength);
        }

        AssertRangeZeroedAndNeighboursIntact(image);
        Assert.Equal(blocksBefore, image.AllocatedBlocks());
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void WriteZeroes_falls_back_to_writing_zeroes_where_ZERO_RANGE_is_unsupported(BlockIoEngineKind engine)
    {
        // tmpfs punches holes but has no FALLOC_FL_ZERO_RANGE (EOPNOTSUPP): the backend writes zeroes instead.
        Assert.True(Directory.Exists("/dev/shm"), "this test needs tmpfs at /dev/shm");
        const long offset = 512;
        const int length = 3 * (1 << 20) + 1024; // several passes over the 1 MiB zero buffer, odd tail
        using var image = TempImage.CreatePatterned(ImageSize, root: "/dev/shm");
        using (var backend = RawFileBackend.Open(new BlockBackendOptions(image.Path) { Engine = engine }))
        {
            AssertSucceeded(RunOne(backend, BlockIoRequest.WriteZeroes(offset, length, unmap: false, 1)), length);
        }

        var file = image.ReadAll();
        Assert.Equal(TempImage.PatternAt(offset - 1, 1), file[offset - 1]);
        Assert.All(file.AsSpan((int)offset, length).ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(TempImage.PatternAt(offset + length, 1), file[offset + length]);
    }

    [Fact]
    public void Zero_length_discard_and_write_zeroes_succeed_without_touching_the_image()
    {
        using var image = TempImage.CreatePatterned(65536);
        using (var backend = RawFileBackend.Open(new BlockBackendOptions(image.Path)))
        {
            var results = Run(backend, BlockIoRequest.Discard(0, 0, 1), BlockIoRequest.WriteZeroes(0, 0, true, 2));
            Assert.All(results, c => AssertSucceeded(c, 0));
        }

        Assert.Equal(TempImage.PatternAt(0, 1), image.ReadAll()[0]);
    }

    private static void AssertRangeZeroedAndNeighboursIntact(TempImage image)
    {
        var file = image.ReadAll();
        Assert.Equal(ImageSize, file.Length);
        Assert.All(file.AsSpan((int)RangeOffset, RangeLength).ToArray(), b => Assert.Equal(0, b));
        for (long at = RangeOffset - 4096; at < RangeOffset; at++)
        {
            Assert.Equal(TempImage.PatternAt(at, 1), file[at]);
        }

        for (long at = RangeOffset + RangeLength; at < RangeOffset + RangeLength + 4096; at++)
        {
            Assert.Equal(TempImage.PatternAt(at, 1), file[at]);
        }
    }
}
