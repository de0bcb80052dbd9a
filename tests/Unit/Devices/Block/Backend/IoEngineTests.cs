using PSVmm.Engine.Devices.Block.Backend.Engines;
using PSVmm.Engine.Native;
using Tmds.Linux;
using Xunit;

namespace PSVmm.Tests.Devices.Block.Backend;

/// <summary>The engine contract, below the backend: every operation completes once, errors as negative errno.</summary>
public sealed unsafe class IoEngineTests
{
    public static TheoryData<string> Engines => new() { "io_uring", "threadpool" };

    private static IIoEngine Create(string name) =>
        name == "io_uring" ? IoUringEngine.Create(8) : new ThreadPoolIoEngine(2);

    private sealed class RecordingSink : IIoCompletionSink
    {
        public Dictionary<ulong, long> Results { get; } = new();

        public void OnOperationComplete(ulong token, long result) => Results.Add(token, result);
    }

    private static RecordingSink WaitFor(IIoEngine engine, int count)
    {
        var sink = new RecordingSink();
        long deadline = Environment.TickCount64 + 10_000;
        while (sink.Results.Count < count && Environment.TickCount64 < deadline)
        {
            EventFd.WaitReadable(engine.CompletionEventFd, 1000);
            engine.Drain(sink);
        }

        Assert.Equal(count, sink.Results.Count);
        return sink;
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void Each_operation_kind_runs_against_a_real_fd(string name)
    {
        using var image = TempImage.CreatePatterned(65536, seed: 2);
        int fd;
        fixed (byte* path = System.Text.Encoding.UTF8.GetBytes(image.Path + "\0"))
        {
            fd = LibC.open(path, LibC.O_RDWR | LibC.O_CLOEXEC, 0);
        }
        Assert.True(fd >= 0);
        using var buffer = new NativeBuffer(4096);
        var iov = new iovec { iov_base = buffer.Pointer, iov_len = 4096 };
        try
        {
            using var engine = Create(name);
            Assert.Equal(name, engine.Name);
            engine.Submit(IoOperation.Readv(fd, 8192, &iov, 1, 1));
            var read = WaitFor(engine, 1);
            Assert.Equal(4096, read.Results[1]);
            Assert.Equal(image.ReadRange(8192, 4096), buffer.Span.ToArray());

            engine.Submit(IoOperation.Writev(fd, 0, &iov, 1, 2));
            engine.Submit(IoOperation.Fdatasync(fd, 3));
            engine.Submit(IoOperation.Fallocate(fd, LibC.FALLOC_FL_PUNCH_HOLE | LibC.FALLOC_FL_KEEP_SIZE, 32768, 4096, 4));
            var rest = WaitFor(engine, 3);
            Assert.Equal(4096, rest.Results[2]);
            Assert.Equal(0, rest.Results[3]);
            Assert.Equal(0, rest.Results[4]);
        }
        finally
        {
            LibC.close(fd);
        }

        Assert.Equal(image.ReadRange(8192, 4096), image.ReadRange(0, 4096));
        Assert.All(image.ReadRange(32768, 4096), b => Assert.Equal(0, b));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void Errors_come_back_as_negative_errno(string name)
    {
        using var engine = Create(name);
        using var buffer = new NativeBuffer(512);
        var iov = new iovec { iov_base = buffer.Pointer, iov_len = 512 };

        engine.Submit(IoOperation.Readv(-1, 0, &iov, 1, 1));
        engine.Submit(IoOperation.BlockDiscard(-1, 0, 512, 2));

        var sink = WaitFor(engine, 2);
        Assert.Equal(-Errno.EBADF, sink.Results[1]);
        Assert.Equal(-Errno.EBADF, sink.Results[2]);
    }

    [Fact]
    public void An_unknown_operation_completes_with_EINVAL_on_a_worker()
    {
        using var engine = new ThreadPoolIoEngine(1);

        engine.Submit(new IoOperation((IoOpCode)99, 0, 0, null, 0, 0, 0, 7));

        Assert.Equal(-Errno.EINVAL, WaitFor(engine, 1).Results[7]);
        Assert.Null(engine.WorkerFailure);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void Operations_submitted_after_dispose_are_cancelled_not_lost(string name)
    {
        var engine = Create(name);
        var sink = new RecordingSink();
        engine.Dispose();

        engine.Submit(IoOperation.Fdatasync(0, 9));
        engine.Drain(sink);

        Assert.Equal(-Errno.ECANCELED, sink.Results[9]);
    }
}
