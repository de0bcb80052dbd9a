using PSVmm.Engine.IoThreads;
using Xunit;
using static Tmds.Linux.LibC;

namespace PSVmm.Tests.Machine;

public sealed unsafe class IoThreadTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private static void Signal(int fd)
    {
        ulong one = 1;
        Assert.Equal(8, (long)write(fd, &one, 8));
    }

    [Fact]
    public void EventFdHandlerRunsOnTheIoThreadAndTheCounterIsCleared()
    {
        using var io = new IoThread("t");
        int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        try
        {
            int calls = 0;
            bool onIoThread = false;
            using var fired = new SemaphoreSlim(0);
            using var source = io.AddEventFd(fd, () => { calls++; onIoThread = io.IsCurrentThread; fired.Release(); });
            Signal(fd);
            Signal(fd);
            Assert.True(fired.Wait(Wait));
            io.Invoke(() => { });
            Assert.True(onIoThread);
            // Two signals before the loop ran coalesce into one wake-up, and the counter was drained.
            ulong counter;
            Assert.True((long)read(fd, &counter, 8) < 0);
            Assert.InRange(calls, 1, 2);
        }
        finally
        {
            close(fd);
        }
    }

    [Fact]
    public void RemovedSourceIsNotCalledAgain()
    {
        using var io = new IoThread("t");
        int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        try
        {
            int calls = 0;
            var source = io.AddEventFd(fd, () => Interlocked.Increment(ref calls));
            source.Dispose();
            Signal(fd);
            io.Invoke(() => { });
            Thread.Sleep(50);
            io.Invoke(() => { });
            Assert.Equal(0, calls);
        }
        finally
        {
            close(fd);
        }
    }

    [Fact]
    public void HandlerExceptionIsReportedAndTheLoopGoesOn()
    {
        var errors = new List<Exception>();
        using var io = new IoThread("t", (_, e) => { lock (errors) errors.Add(e); });
        io.Post(() => throw new InvalidDataException("guest did something"));
        int ran = 0;
        io.Invoke(() => ran = 1);
        Assert.Equal(1, ran);
        lock (errors)
            Assert.IsType<InvalidDataException>(Assert.Single(errors));
    }

    [Fact]
    public void InvokeRethrowsOnTheCaller()
    {
        using var io = new IoThread("t");
        var e = Assert.Throws<InvalidOperationException>(() => io.Invoke(() => throw new ArgumentException("bad")));
        Assert.IsType<ArgumentException>(e.InnerException);
    }

    [Fact]
    public void TimersRunInDueOrderAndCancelledOnesDoNot()
    {
        using var io = new IoThread("t");
        var order = new List<int>();
        using var done = new ManualResetEventSlim();
        io.Schedule(TimeSpan.FromMilliseconds(60), () => { order.Add(3); done.Set(); });
        io.Schedule(TimeSpan.FromMilliseconds(1), () => order.Add(1));
        var cancelled = io.Schedule(TimeSpan.FromMilliseconds(20), () => order.Add(99));
        io.Schedule(TimeSpan.FromMilliseconds(30), () => order.Add(2));
        cancelled.Dispose();
        Assert.True(done.Wait(Wait));
        io.Invoke(() => Assert.Equal([1, 2, 3], order));
    }

    [Fact]
    public void DisposeStopsTheThreadAndLaterInvokesAreRefused()
    {
        var io = new IoThread("t");
        io.Dispose();
        Assert.Throws<ObjectDisposedException>(() => io.Invoke(() => { }));
        io.Dispose();
    }
}
