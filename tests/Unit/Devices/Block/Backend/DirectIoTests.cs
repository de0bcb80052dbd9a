using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Backend.Engines;
using PSVmm.Engine.Native;
using Xunit;
using static PSVmm.Tests.Devices.Block.Backend.BackendDriver;

namespace PSVmm.Tests.Devices.Block.Backend;

/// <summary>O_DIRECT (cache mode None) on /tmp, which is ext4 here and supports it.</summary>
public sealed class DirectIoTests
{
    public static TheoryData<BlockIoEngineKind> Engines => new() { BlockIoEngineKind.IoUring, BlockIoEngineKind.ThreadPool };

    private static RawFileBackend OpenDirect(TempImage image, BlockIoEngineKind engine = BlockIoEngineKind.Auto) =>
        RawFileBackend.Open(new BlockBackendOptions(image.Path) { CacheMode = BlockCacheMode.None, Engine = engine });

    [Theory]
    [MemberData(nameof(Engines))]
    public void Aligned_buffers_go_straight_to_the_image(BlockIoEngineKind engine)
    {
        using var image = TempImage.CreatePatterned(1 << 20);
        using var write = new NativeBuffer(8192);
        using var read = new NativeBuffer(8192);
        TempImage.Pattern(0, write.Span, seed: 11);
        using (var backend = OpenDirect(image, engine))
        {
            Assert.Equal(BlockCacheMode.None, backend.CacheMode);
            Assert.Equal(0, 8192 % backend.LogicalBlockSize);
            AssertSucceeded(RunOne(backend, BlockIoRequest.Write(16384, [write.Segment(0, 4096), write.Segment(4096, 4096)], 1)), 8192);
            AssertSucceeded(RunOne(backend, BlockIoRequest.Read(16384, [read.Whole()], 2)), 8192);
            Assert.Equal(0, backend.BouncedRequests);
        }

        Assert.Equal(write.Span.ToArray(), read.Span.ToArray());
        Assert.Equal(write.Span.ToArray(), image.ReadRange(16384, 8192));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void Misaligned_addresses_are_bounced(BlockIoEngineKind engine)
    {
        using var image = TempImage.CreatePatterned(1 << 20);
        using var write = new NativeBuffer(4096, skew: 1);
        using var read = new NativeBuffer(4096, skew: 3);
        TempImage.Pattern(0, write.Span, seed: 12);
        using (var backend = OpenDirect(image, engine))
        {
            AssertSucceeded(RunOne(backend, BlockIoRequest.Write(4096, [write.Whole()], 1)), 4096);
            AssertSucceeded(RunOne(backend, BlockIoRequest.Read(4096, [read.Whole()], 2)), 4096);
            Assert.Equal(2, backend.BouncedRequests);
        }

        Assert.Equal(write.Span.ToArray(), read.Span.ToArray());
        Assert.Equal(write.Span.ToArray(), image.ReadRange(4096, 4096));
    }

    [Fact]
    public void Segments_of_odd_lengths_are_bounced_as_one_block_run()
    {
        using var image = TempImage.CreatePatterned(1 << 20, seed: 2);
        using var buffer = new NativeBuffer(4096);
        var managed = new byte[3];
        using var backend = OpenDirect(image);

        // 100 + 3 + 3993 = 4096: aligned in total, misaligned per segment.
        var segments = new[] { buffer.Segment(0, 100), BlockSegment.FromMemory(managed), buffer.Segment(100, 3993) };
        AssertSucceeded(RunOne(backend, BlockIoRequest.Read(8192, segments, 1)), 4096);

        var expected = image.ReadRange(8192, 4096);
        Assert.Equal(expected[..100], buffer.Span[..100].ToArray());
        Assert.Equal(expected[100..103], managed);
        Assert.Equal(expected[103..], buffer.Span[100..4093].ToArray());
        Assert.Equal(1, backend.BouncedRequests);
    }

    [Fact]
    public void A_misaligned_file_range_is_refused_with_EINVAL()
    {
        using var image = TempImage.CreatePatterned(1 << 20);
        using var buffer = new NativeBuffer(4096);
        using var backend = OpenDirect(image);

        var results = Run(backend,
            BlockIoRequest.Read(100, [buffer.Segment(0, 512)], 1),
            BlockIoRequest.Write(0, [buffer.Segment(0, 100)], 2));

        Assert.All(results, c => Assert.Equal(Errno.EINVAL, c.Errno));
        Assert.Equal(TempImage.PatternAt(0, 1), image.ReadRange(0, 1)[0]);
    }

    [Fact]
    public void Flush_discard_and_write_zeroes_work_under_O_DIRECT()
    {
        using var image = TempImage.CreatePatterned(1 << 20);
        using (var backend = OpenDirect(image))
        {
            var results = Run(backend,
                BlockIoRequest.Discard(0, 65536, 1),
                BlockIoRequest.WriteZeroes(65536, 65536, unmap: false, 2),
                BlockIoRequest.Flush(3));
            AssertSucceeded(results[0], 65536);
            AssertSucceeded(results[1], 65536);
            AssertSucceeded(results[2], 0);
        }

        Assert.All(image.ReadRange(0, 131072), b => Assert.Equal(0, b));
        Assert.Equal(TempImage.PatternAt(131072, 1), image.ReadRange(131072, 1)[0]);
    }
}
