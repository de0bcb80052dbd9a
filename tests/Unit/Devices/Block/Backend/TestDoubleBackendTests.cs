using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Backend.Engines;
using PSVmm.Engine.Native;
using PSVmm.Tests.TestDoubles;
using Xunit;
using static PSVmm.Tests.Devices.Block.Backend.BackendDriver;

namespace PSVmm.Tests.Devices.Block.Backend;

public sealed class TestDoubleBackendTests
{
    [Fact]
    public void Fault_injection_fails_matching_requests_with_the_chosen_errno_and_passes_the_rest()
    {
        using var image = TempImage.CreatePatterned(1 << 16);
        using var buffer = new NativeBuffer(512);
        using var backend = new FaultInjectingBlockBackend(RawFileBackend.Open(new BlockBackendOptions(image.Path)))
            .FailWhen(r => r.Kind == BlockIoKind.Write && r.Offset == 1024, Errno.ENOSPC, times: 1);

        var results = Run(backend,
            BlockIoRequest.Write(1024, [buffer.Whole()], 1),
            BlockIoRequest.Write(2048, [buffer.Whole()], 2),
            BlockIoRequest.Write(1024, [buffer.Whole()], 3));

        Assert.Equal(Errno.ENOSPC, results[0].Errno);
        AssertSucceeded(results[1], 512);
        AssertSucceeded(results[2], 512);
        Assert.Equal(new BlockKindStatistics(3, 1024, 1), backend.GetStatistics().Write);
        Assert.Equal(3, backend.Submitted.Count);
    }

    [Fact]
    public void Delayed_requests_complete_only_after_release_and_can_be_reordered()
    {
        using var image = TempImage.CreatePatterned(1 << 16);
        using var buffer = new NativeBuffer(512);
        using var backend = new FaultInjectingBlockBackend(RawFileBackend.Open(new BlockBackendOptions(image.Path) { Engine = BlockIoEngineKind.IoUring }))
            .DelayWhen(r => r.Kind == BlockIoKind.Read, times: 2);

        backend.Submit(BlockIoRequest.Read(0, [buffer.Whole()], 1));
        backend.Submit(BlockIoRequest.Read(512, [buffer.Whole()], 2));
        backend.Submit(BlockIoRequest.Flush(3));
        var first = WaitFor(backend, 1);
        Assert.Equal(3UL, first.Single().UserData);
        Assert.Equal(2, backend.DelayedCount);

        Assert.Equal(2, backend.ReleaseDelayed(reverse: true));
        var rest = WaitFor(backend, 2);
        Assert.Equal(new[] { 1UL, 2UL }, rest.Select(c => c.UserData).Order());
        Assert.All(rest, c => AssertSucceeded(c, 512));
    }

    [Fact]
    public void The_memory_backend_reads_writes_zeroes_and_refuses_like_a_disk()
    {
        using var disk = new MemoryBlockBackend(8192);
        var data = new byte[1024];
        TempImage.Pattern(0, data, seed: 8);
        var back = new byte[1024];

        var results = Run(disk,
            BlockIoRequest.Write(512, [BlockSegment.FromMemory(data)], 1),
            BlockIoRequest.Read(512, [BlockSegment.FromMemory(back.AsMemory(0, 24)), BlockSegment.FromMemory(back.AsMemory(24))], 2),
            BlockIoRequest.WriteZeroes(1024, 512, unmap: false, 3),
            BlockIoRequest.Read(8192, [BlockSegment.FromMemory(back)], 4),
            BlockIoRequest.Flush(5));

        AssertSucceeded(results[0], 1024);
        AssertSucceeded(results[1], 1024);
        Assert.Equal(data, back);
        AssertSucceeded(results[2], 512);
        Assert.All(disk.Data.Slice(1024, 512).ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(data[..512], disk.Data.Slice(512, 512).ToArray());
        Assert.Equal(Errno.EINVAL, results[3].Errno);
        Assert.Equal(1, disk.Flushes);
    }
}
