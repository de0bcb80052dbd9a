using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Backend.Engines;
using PSVmm.Engine.Native;
using Xunit;
using static PSVmm.Tests.Devices.Block.Backend.BackendDriver;

namespace PSVmm.Tests.Devices.Block.Backend;

/// <summary>Short transfers, retries and fallbacks, driven through <see cref="ScriptedIoEngine"/>.</summary>
public sealed class ContinuationAndFallbackTests
{
    private static RawFileBackend Open(TempImage image, ScriptedIoEngine engine, bool readOnly = false) =>
        RawFileBackend.Open(new BlockBackendOptions(image.Path) { Engine = BlockIoEngineKind.IoUring, ReadOnly = readOnly }, _ => engine);

    [Fact]
    public void Short_writes_and_reads_are_continued_until_the_whole_scatter_list_is_done()
    {
        using var image = TempImage.CreatePatterned(1 << 16, seed: 1);
        var engine = new ScriptedIoEngine { MaxBytesPerCall = 1000 };
        using var write = new NativeBuffer(8192);
        using var read = new NativeBuffer(8192);
        TempImage.Pattern(0, write.Span, seed: 21);
        using (var backend = Open(image, engine))
        {
            var segments = new[] { write.Segment(0, 3000), write.Segment(3000, 1), write.Segment(3001, 5191) };
            AssertSucceeded(RunOne(backend, BlockIoRequest.Write(4096, segments, 1)), 8192);
            AssertSucceeded(RunOne(backend, BlockIoRequest.Read(4096, [read.Segment(0, 5000), read.Segment(5000, 3192)], 2)), 8192);
        }

        Assert.Equal(9, engine.Executed.Count(op => op == IoOpCode.Writev));
        Assert.Equal(9, engine.Executed.Count(op => op == IoOpCode.Readv));
        Assert.Equal(write.Span.ToArray(), read.Span.ToArray());
        Assert.Equal(write.Span.ToArray(), image.ReadRange(4096, 8192));
    }

    [Theory]
    [InlineData(Errno.EAGAIN)]
    [InlineData(Errno.EINTR)]
    public void Transient_errors_are_retried(int errno)
    {
        using var image = TempImage.CreatePatterned(1 << 16);
        int failures = 2;
        var engine = new ScriptedIoEngine { Override = op => failures-- > 0 ? -errno : null };
        using var buffer = new NativeBuffer(512);
        using var backend = Open(image, engine);

        AssertSucceeded(RunOne(backend, BlockIoRequest.Read(512, [buffer.Whole()], 1)), 512);

        Assert.Equal(3, engine.Executed.Count);
        Assert.Equal(image.ReadRange(512, 512), buffer.Span.ToArray());
    }

    [Fact]
    public void An_IO_error_fails_the_request_and_is_counted()
    {
        using var image = TempImage.CreatePatterned(1 << 16);
        var engine = new ScriptedIoEngine { Override = _ => -Errno.EIO };
        using var buffer = new NativeBuffer(512);
        using var backend = Open(image, engine);

        var completion = RunOne(backend, BlockIoRequest.Read(0, [buffer.Whole()], 1));

        Assert.False(completion.Succeeded);
        Assert.Equal(Errno.EIO, completion.Errno);
        Assert.Equal(new BlockKindStatistics(1, 0, 1), backend.GetStatistics().Read);
    }

    [Fact]
    public void A_write_that_makes_no_progress_fails_with_EIO_instead_of_looping()
    {
        using var image = TempImage.CreatePatterned(1 << 16);
        var engine = new ScriptedIoEngine { Override = op => op.OpCode == IoOpCode.Writev ? 0 : null };
        using var buffer = new NativeBuffer(512);
        using var backend = Open(image, engine);

        Assert.Equal(Errno.EIO, RunOne(backend, BlockIoRequest.Write(0, [buffer.Whole()], 1)).Errno);
    }

    [Theory]
    [InlineData(BlockCacheMode.Writeback)]
    [InlineData(BlockCacheMode.None)]
    public void A_read_past_a_shrunken_end_of_file_fails_with_ENODATA_and_no_stale_bytes_count_as_read(BlockCacheMode cache)
    {
        using var image = TempImage.CreatePatterned(1 << 16);
        using var buffer = new NativeBuffer(8192);
        using var backend = RawFileBackend.Open(new BlockBackendOptions(image.Path) { Engine = BlockIoEngineKind.ThreadPool, CacheMode = cache });
        using (var stream = new FileStream(image.Path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.SetLength(4096 + 100);
        }

        var completion = RunOne(backend, BlockIoRequest.Read(4096, [buffer.Whole()], 1));

        Assert.Equal(Errno.ENODATA, completion.Errno);
        Assert.Equal(new BlockKindStatistics(1, 0, 1), backend.GetStatistics().Read);
        AssertSucceeded(RunOne(backend, BlockIoRequest.Read(0, [buffer.Segment(0, 4096)], 2)), 4096);
    }

    [Fact]
    public void WriteZeroes_writes_zeroes_when_fallocate_is_unsupported()
    {
        using var image = TempImage.CreatePatterned(4 << 20);
        var engine = new ScriptedIoEngine
        {
            MaxBytesPerCall = 300_000,
            Override = op => op.OpCode == IoOpCode.Fallocate ? -Errno.EOPNOTSUPP : null,
        };
        const long offset = 1000;
        const int length = (2 << 20) + 77;
        using (var backend = Open(image, engine))
        {
            AssertSucceeded(RunOne(backend, BlockIoRequest.WriteZeroes(offset, length, unmap: true, 1)), length);
        }

        Assert.Contains(IoOpCode.Writev, engine.Executed);
        var file = image.ReadAll();
        Assert.Equal(TempImage.PatternAt(offset - 1, 1), file[offset - 1]);
        Assert.All(file.AsSpan((int)offset, length).ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(TempImage.PatternAt(offset + length, 1), file[offset + length]);
    }

    [Fact]
    public void A_discard_the_file_system_cannot_do_still_succeeds_because_discard_is_a_hint()
    {
        using var image = TempImage.CreatePatterned(1 << 16);
        var engine = new ScriptedIoEngine { Override = _ => -Errno.EOPNOTSUPP };
        using var backend = Open(image, engine);

        AssertSucceeded(RunOne(backend, BlockIoRequest.Discard(0, 4096, 1)), 4096);
    }

    [Fact]
    public void In_flight_counts_requests_until_their_completions_are_drained()
    {
        using var image = TempImage.CreatePatterned(1 << 16);
        var engine = new ScriptedIoEngine();
        using var buffer = new NativeBuffer(512);
        using var backend = Open(image, engine);

        backend.Submit(BlockIoRequest.Read(0, [buffer.Whole()], 1));
        backend.Submit(BlockIoRequest.Flush(2));
        Assert.Equal(2, backend.GetStatistics().InFlight);

        Assert.Equal(2, WaitFor(backend, 2).Count);
        Assert.Equal(0, backend.GetStatistics().InFlight);
    }

    [Fact]
    public void A_completion_callback_may_submit_the_next_request()
    {
        using var image = TempImage.CreatePatterned(1 << 16);
        using var buffer = new NativeBuffer(512);
        using var backend = RawFileBackend.Open(new BlockBackendOptions(image.Path));
        var seen = new List<ulong>();
        backend.Submit(BlockIoRequest.Read(0, [buffer.Whole()], 1));

        long deadline = Environment.TickCount64 + 10_000;
        while (seen.Count < 3 && Environment.TickCount64 < deadline)
        {
            EventFd.WaitReadable(backend.CompletionEventFd, 1000);
            backend.DrainCompletions(c =>
            {
                seen.Add(c.UserData);
                if (c.UserData < 3)
                {
                    backend.Submit(BlockIoRequest.Read(512 * (long)c.UserData, [buffer.Whole()], c.UserData + 1));
                }
            });
        }

        Assert.Equal([1UL, 2UL, 3UL], seen);
    }

    [Fact]
    public void Submit_never_calls_back_into_a_running_completion_callback()
    {
        using var image = TempImage.CreatePatterned(1 << 16);
        using var buffer = new NativeBuffer(512);
        using var backend = RawFileBackend.Open(new BlockBackendOptions(image.Path));
        int depth = 0, maxDepth = 0;
        var seen = new List<BlockCompletion>();
        backend.Submit(BlockIoRequest.Read(0, [buffer.Whole()], 1));

        long deadline = Environment.TickCount64 + 10_000;
        while (seen.Count < 2 && Environment.TickCount64 < deadline)
        {
            EventFd.WaitReadable(backend.CompletionEventFd, 1000);
            backend.DrainCompletions(c =>
            {
                maxDepth = Math.Max(maxDepth, ++depth);
                seen.Add(c);
                if (c.UserData == 1)
                {
                    backend.Submit(BlockIoRequest.Read(-512, [buffer.Whole()], 2)); // invalid: completes at once, but queued
                }

                depth--;
            });
        }

        Assert.Equal(1, maxDepth);
        Assert.Equal(Errno.EINVAL, seen.Single(c => c.UserData == 2).Errno);
    }

    [Theory]
    [InlineData(BlockIoEngineKind.IoUring)]
    [InlineData(BlockIoEngineKind.ThreadPool)]
    public void A_completion_callback_may_dispose_the_backend(BlockIoEngineKind kind)
    {
        using var image = TempImage.CreatePatterned(1 << 20);
        using var buffer = new NativeBuffer(64 * 4096);
        var backend = RawFileBackend.Open(new BlockBackendOptions(image.Path) { Engine = kind });
        for (int i = 0; i < 64; i++)
        {
            backend.Submit(BlockIoRequest.Read(i * 4096L, [buffer.Segment(i * 4096, 4096)], (ulong)i + 1));
        }

        int seen = 0;
        Assert.True(EventFd.WaitReadable(backend.CompletionEventFd, 10_000));
        backend.DrainCompletions(_ =>
        {
            if (seen++ == 0)
            {
                backend.Dispose();
            }
        });

        Assert.Equal(1, seen);
        Assert.Equal(0, backend.GetStatistics().InFlight);
        Assert.Throws<ObjectDisposedException>(() => backend.Submit(BlockIoRequest.Flush()));
    }

    [Fact]
    public void Auto_falls_back_to_the_thread_pool_when_io_uring_is_refused()
    {
        using var image = TempImage.CreatePatterned(1 << 16);
        using var buffer = new NativeBuffer(4096);
        using var backend = RawFileBackend.Open(new BlockBackendOptions(image.Path) { Engine = BlockIoEngineKind.Auto },
            _ => throw new IoUringUnavailableException("io_uring_setup", Errno.ENOSYS));

        Assert.Equal("threadpool", backend.EngineName);
        AssertSucceeded(RunOne(backend, BlockIoRequest.Read(0, [buffer.Whole()], 1)), 4096);
        Assert.Equal(image.ReadRange(0, 4096), buffer.Span.ToArray());
    }

    [Fact]
    public void Forcing_io_uring_where_it_is_refused_fails_the_open_and_leaves_no_lock()
    {
        using var image = TempImage.CreateEmpty(4096);

        var ex = Assert.Throws<IoUringUnavailableException>(() => RawFileBackend.Open(
            new BlockBackendOptions(image.Path) { Engine = BlockIoEngineKind.IoUring },
            _ => throw new IoUringUnavailableException("io_uring_setup", Errno.EPERM)));

        Assert.Equal(Errno.EPERM, ex.Errno);
        using var again = RawFileBackend.Open(new BlockBackendOptions(image.Path));
    }

    [Fact]
    public void Auto_uses_io_uring_where_the_kernel_allows_it_and_thread_pool_is_used_when_asked()
    {
        using var image = TempImage.CreateEmpty(4096);
        bool ioUringAllowed = !File.Exists("/proc/sys/kernel/io_uring_disabled")
            || File.ReadAllText("/proc/sys/kernel/io_uring_disabled").Trim() == "0";

        using (var auto = RawFileBackend.Open(new BlockBackendOptions(image.Path)))
        {
            Assert.Equal(ioUringAllowed ? "io_uring" : "threadpool", auto.EngineName);
        }

        using var pool = RawFileBackend.Open(new BlockBackendOptions(image.Path) { Engine = BlockIoEngineKind.ThreadPool });
        Assert.Equal("threadpool", pool.EngineName);
    }
}
