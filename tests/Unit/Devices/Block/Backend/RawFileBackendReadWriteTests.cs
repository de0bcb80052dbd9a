using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Backend.Engines;
using PSVmm.Engine.Native;
using Xunit;
using static PSVmm.Tests.Devices.Block.Backend.BackendDriver;

namespace PSVmm.Tests.Devices.Block.Backend;

public sealed class RawFileBackendReadWriteTests
{
    public static TheoryData<BlockIoEngineKind> Engines => new() { BlockIoEngineKind.IoUring, BlockIoEngineKind.ThreadPool };

    private static RawFileBackend Open(TempImage image, BlockIoEngineKind engine, int queueDepth = 128) =>
        RawFileBackend.Open(new BlockBackendOptions(image.Path) { Engine = engine, QueueDepth = queueDepth });

    [Theory]
    [MemberData(nameof(Engines))]
    public void Write_scatter_list_lands_contiguously_in_the_file(BlockIoEngineKind engine)
    {
        using var image = TempImage.CreatePatterned(1 << 20, seed: 1);
        using var a = new NativeBuffer(512);
        using var b = new NativeBuffer(1536);
        var c = new byte[2048];
        TempImage.Pattern(0, a.Span, seed: 7);
        TempImage.Pattern(512, b.Span, seed: 7);
        TempImage.Pattern(2048, c, seed: 7);

        using (var backend = Open(image, engine))
        {
            var write = BlockIoRequest.Write(8192, [a.Whole(), b.Whole(), BlockSegment.FromMemory(c)], userData: 42);
            var completion = RunOne(backend, write);
            AssertSucceeded(completion, 4096);
            Assert.Equal(42UL, completion.UserData);
            Assert.Equal(BlockIoKind.Write, completion.Kind);
        }

        var file = image.ReadAll();
        for (int i = 0; i < 4096; i++)
        {
            Assert.Equal(TempImage.PatternAt(i, 7), file[8192 + i]);
        }

        Assert.Equal(TempImage.PatternAt(8191, 1), file[8191]);
        Assert.Equal(TempImage.PatternAt(8192 + 4096, 1), file[8192 + 4096]);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void Read_scatter_list_receives_the_file_bytes_in_order(BlockIoEngineKind engine)
    {
        using var image = TempImage.CreatePatterned(1 << 20, seed: 3);
        using var a = new NativeBuffer(1000);
        var b = new byte[24];
        using var c = new NativeBuffer(3072);
        using var backend = Open(image, engine);

        var completion = RunOne(backend, BlockIoRequest.Read(65536, [a.Whole(), BlockSegment.FromMemory(b), c.Whole()], 1));

        AssertSucceeded(completion, 4096);
        var expected = image.ReadRange(65536, 4096);
        Assert.Equal(expected[..1000], a.Span.ToArray());
        Assert.Equal(expected[1000..1024], b);
        Assert.Equal(expected[1024..], c.Span.ToArray());
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void Many_requests_beyond_the_queue_depth_all_complete(BlockIoEngineKind engine)
    {
        using var image = TempImage.CreateEmpty(1 << 20);
        using var buffer = new NativeBuffer(300 * 512);
        TempImage.Pattern(0, buffer.Span, seed: 9);
        using var backend = Open(image, engine, queueDepth: 4);

        var writes = Enumerable.Range(0, 300)
            .Select(i => BlockIoRequest.Write(i * 512L, [buffer.Segment(i * 512, 512)], (ulong)i + 1))
            .ToArray();
        foreach (var completion in Run(backend, writes))
        {
            AssertSucceeded(completion, 512);
        }

        var file = image.ReadRange(0, 300 * 512);
        Assert.Equal(buffer.Span.ToArray(), file);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void A_scatter_list_longer_than_IOV_MAX_is_written_in_windows(BlockIoEngineKind engine)
    {
        const int segments = 2500;
        using var image = TempImage.CreateEmpty(segments * 16);
        using var buffer = new NativeBuffer(segments * 16);
        TempImage.Pattern(0, buffer.Span, seed: 5);
        using var backend = Open(image, engine);

        var list = Enumerable.Range(0, segments).Select(i => buffer.Segment(i * 16, 16)).ToArray();
        AssertSucceeded(RunOne(backend, BlockIoRequest.Write(0, list, 1)), segments * 16);

        Assert.Equal(buffer.Span.ToArray(), image.ReadAll());
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void Flush_succeeds_and_is_counted(BlockIoEngineKind engine)
    {
        using var image = TempImage.CreateEmpty(1 << 16);
        using var backend = Open(image, engine);

        AssertSucceeded(RunOne(backend, BlockIoRequest.Flush(7)), 0);

        var stats = backend.GetStatistics();
        Assert.Equal(1, stats.Flush.Requests);
        Assert.Equal(0, stats.Flush.Errors);
        Assert.Equal(0, stats.InFlight);
    }

    [Theory]
    [InlineData(-512L, 512)]
    [InlineData(65536L, 512)]
    [InlineData(65024L, 1024)]
    public void Requests_outside_the_image_fail_with_EINVAL_and_touch_nothing(long offset, int length)
    {
        using var image = TempImage.CreatePatterned(65536);
        using var buffer = new NativeBuffer(length);
        using var backend = Open(image, BlockIoEngineKind.Auto);

        var results = Run(backend,
            BlockIoRequest.Write(offset, [buffer.Whole()], 1),
            BlockIoRequest.Read(offset, [buffer.Whole()], 2),
            BlockIoRequest.Discard(offset, length, 3),
            BlockIoRequest.WriteZeroes(offset, length, unmap: false, 4));

        Assert.All(results, c => Assert.Equal(Errno.EINVAL, c.Errno));
        var file = image.ReadAll();
        Assert.Equal(65536, file.Length);
        Assert.Equal(TempImage.PatternAt(65535, 1), file[65535]);
    }

    [Fact]
    public void Size_and_block_size_describe_a_file()
    {
        using var image = TempImage.CreateEmpty(3 * 1024 * 1024 + 512);
        using var backend = Open(image, BlockIoEngineKind.Auto);

        Assert.Equal(3 * 1024 * 1024 + 512, backend.Size);
        Assert.Equal(512, backend.LogicalBlockSize);
        Assert.Equal(BlockCacheMode.Writeback, backend.CacheMode);
        Assert.False(backend.IsBlockDevice);
        Assert.Equal(BlockCacheMode.Writeback, backend.CacheMode);
        Assert.True(backend.SupportsDiscard);
        Assert.True(backend.SupportsWriteZeroes);
    }

    [Fact]
    public void Statistics_count_requests_bytes_and_errors_per_kind()
    {
        using var image = TempImage.CreateEmpty(1 << 16);
        using var buffer = new NativeBuffer(4096);
        using var backend = Open(image, BlockIoEngineKind.Auto);

        Run(backend,
            BlockIoRequest.Write(0, [buffer.Whole()], 1),
            BlockIoRequest.Write(4096, [buffer.Segment(0, 1024)], 2),
            BlockIoRequest.Read(0, [buffer.Whole()], 3),
            BlockIoRequest.Read(1 << 16, [buffer.Whole()], 4),
            BlockIoRequest.Discard(0, 4096, 5),
            BlockIoRequest.WriteZeroes(8192, 4096, false, 6));

        var stats = backend.GetStatistics();
        Assert.Equal(new BlockKindStatistics(2, 5120, 0), stats.Write);
        Assert.Equal(new BlockKindStatistics(2, 4096, 1), stats.Read);
        Assert.Equal(new BlockKindStatistics(1, 4096, 0), stats[BlockIoKind.Discard]);
        Assert.Equal(new BlockKindStatistics(1, 4096, 0), stats.WriteZeroes);
        Assert.Equal(0, stats.InFlight);
    }

    [Fact]
    public void Missing_image_is_reported_as_FileNotFound()
    {
        string path = Path.Combine(Path.GetTempPath(), "psvmm-missing-" + Guid.NewGuid().ToString("n"), "disk.img");

        var ex = Assert.Throws<FileNotFoundException>(() => RawFileBackend.Open(new BlockBackendOptions(path)));
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void Submit_after_dispose_throws_and_drain_returns_nothing()
    {
        using var image = TempImage.CreateEmpty(4096);
        var backend = Open(image, BlockIoEngineKind.Auto);
        backend.Dispose();

        Assert.Throws<ObjectDisposedException>(() => backend.Submit(BlockIoRequest.Flush()));
        Assert.Equal(0, backend.DrainCompletions(_ => Assert.Fail("no completion expected")));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void Dispose_with_requests_in_flight_waits_for_them(BlockIoEngineKind engine)
    {
        using var image = TempImage.CreateEmpty(4 << 20);
        using var buffer = new NativeBuffer(1 << 20);
        var backend = Open(image, engine);
        for (int i = 0; i < 4; i++)
        {
            backend.Submit(BlockIoRequest.Write(i * (1L << 20), [buffer.Whole()], (ulong)i));
        }

        backend.Dispose();

        Assert.Equal(0, backend.GetStatistics().InFlight);
    }
}
