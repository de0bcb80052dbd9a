using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Backend.Engines;
using PSVmm.Engine.Native;
using Xunit;
using static PSVmm.Tests.Devices.Block.Backend.BackendDriver;

namespace PSVmm.Tests.Devices.Block.Backend;

public sealed class BatchSubmissionTests
{
    [Fact]
    public void A_batch_reaches_io_uring_in_one_system_call()
    {
        using var image = TempImage.CreatePatterned(1 << 20, seed: 5);
        using var buffer = new NativeBuffer(64 * 512);
        using var backend = RawFileBackend.Open(new BlockBackendOptions(image.Path) { Engine = BlockIoEngineKind.IoUring });
        var engine = Assert.IsType<IoUringEngine>(backend.Engine);
        var reads = Enumerable.Range(0, 64)
            .Select(i => BlockIoRequest.Read(i * 1024L, [buffer.Segment(i * 512, 512)], (ulong)i + 1))
            .ToArray();

        backend.SubmitBatch(reads);

        Assert.Equal(1, engine.SubmitCalls);
        Assert.All(WaitFor(backend, 64), c => AssertSucceeded(c, 512));
        for (int i = 0; i < 64; i++)
        {
            Assert.Equal(image.ReadRange(i * 1024L, 512), buffer.Span.Slice(i * 512, 512).ToArray());
        }
    }

    [Fact]
    public void Requests_submitted_one_by_one_each_enter_the_kernel()
    {
        using var image = TempImage.CreateEmpty(1 << 16);
        using var buffer = new NativeBuffer(512);
        using var backend = RawFileBackend.Open(new BlockBackendOptions(image.Path) { Engine = BlockIoEngineKind.IoUring });
        var engine = Assert.IsType<IoUringEngine>(backend.Engine);

        for (int i = 0; i < 4; i++)
        {
            backend.Submit(BlockIoRequest.Read(0, [buffer.Whole()], (ulong)i + 1));
        }

        Assert.Equal(4, engine.SubmitCalls);
        Assert.Equal(4, WaitFor(backend, 4).Count);
    }

    [Theory]
    [InlineData(BlockIoEngineKind.IoUring)]
    [InlineData(BlockIoEngineKind.ThreadPool)]
    public void A_batch_larger_than_the_rings_completes_in_full(BlockIoEngineKind kind)
    {
        using var image = TempImage.CreateEmpty(1 << 20);
        using var buffer = new NativeBuffer(500 * 512);
        TempImage.Pattern(0, buffer.Span, seed: 13);
        using var backend = RawFileBackend.Open(new BlockBackendOptions(image.Path) { Engine = kind, QueueDepth = 8 });
        var writes = Enumerable.Range(0, 500)
            .Select(i => BlockIoRequest.Write(i * 512L, [buffer.Segment(i * 512, 512)], (ulong)i + 1))
            .ToArray();

        backend.SubmitBatch(writes);

        Assert.All(WaitFor(backend, 500), c => AssertSucceeded(c, 512));
        Assert.Equal(buffer.Span.ToArray(), image.ReadRange(0, 500 * 512));
    }

    [Fact]
    public void Every_request_of_a_batch_completes_even_when_some_are_invalid()
    {
        using var image = TempImage.CreateEmpty(1 << 16);
        using var buffer = new NativeBuffer(512);
        using var backend = RawFileBackend.Open(new BlockBackendOptions(image.Path));

        backend.SubmitBatch([
            BlockIoRequest.Read(0, [buffer.Whole()], 1),
            BlockIoRequest.Read(1 << 16, [buffer.Whole()], 2),
            BlockIoRequest.Flush(3),
        ]);

        var completions = WaitFor(backend, 3).OrderBy(c => c.UserData).ToList();
        AssertSucceeded(completions[0], 512);
        Assert.Equal(Errno.EINVAL, completions[1].Errno);
        AssertSucceeded(completions[2], 0);
    }
}
