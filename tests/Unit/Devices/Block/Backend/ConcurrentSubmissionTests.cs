using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Backend.Engines;
using PSVmm.Engine.Native;
using Xunit;

namespace PSVmm.Tests.Devices.Block.Backend;

public sealed class ConcurrentSubmissionTests
{
    [Theory]
    [InlineData(BlockIoEngineKind.IoUring)]
    [InlineData(BlockIoEngineKind.ThreadPool)]
    public void Submitters_on_several_threads_and_a_draining_thread_lose_nothing(BlockIoEngineKind engine)
    {
        const int threads = 4, perThread = 200, block = 512;
        using var image = TempImage.CreateEmpty(threads * perThread * block);
        using var buffer = new NativeBuffer(threads * perThread * block);
        TempImage.Pattern(0, buffer.Span, seed: 33);
        using var backend = RawFileBackend.Open(new BlockBackendOptions(image.Path) { Engine = engine, QueueDepth = 16 });

        var completions = new List<BlockCompletion>();
        var submitters = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            for (int i = 0; i < perThread; i++)
            {
                int index = t * perThread + i;
                backend.Submit(BlockIoRequest.Write((long)index * block, [buffer.Segment(index * block, block)], (ulong)index + 1));
            }
        })).ToList();
        submitters.ForEach(s => s.Start());

        long deadline = Environment.TickCount64 + 30_000;
        while (completions.Count < threads * perThread && Environment.TickCount64 < deadline)
        {
            EventFd.WaitReadable(backend.CompletionEventFd, 100);
            backend.DrainCompletions(completions.Add);
        }

        submitters.ForEach(s => s.Join());
        Assert.Equal(threads * perThread, completions.Count);
        Assert.Equal(threads * perThread, completions.Select(c => c.UserData).Distinct().Count());
        Assert.All(completions, c => Assert.Equal(block, c.Result));
        Assert.Equal(buffer.Span.ToArray(), image.ReadAll());
        Assert.Equal(0, backend.GetStatistics().InFlight);
    }
}
