using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Backend.Engines;
using Xunit;
using Xunit.Abstractions;
using static PSVmm.Tests.Devices.Block.Backend.BackendDriver;

namespace PSVmm.Tests.Devices.Block.Backend;

/// <summary>
/// A loop device over a temporary file stands in for a disk. Needs root and the loop driver;
/// where losetup cannot attach one, the test says so in its output and returns (xunit 2 has no
/// runtime skip).
/// </summary>
public sealed class BlockDeviceBackendTests(ITestOutputHelper output)
{
    public static TheoryData<BlockIoEngineKind, BlockCacheMode> Modes => new()
    {
        { BlockIoEngineKind.IoUring, BlockCacheMode.Writeback },
        { BlockIoEngineKind.ThreadPool, BlockCacheMode.None },
    };

    [SkippableTheory]
    [MemberData(nameof(Modes))]
    public void A_loop_device_is_sized_read_written_and_discarded(BlockIoEngineKind engine, BlockCacheMode cache)
    {
        const int size = 8 << 20;
        using var image = TempImage.CreatePatterned(size, seed: 6);
        using var loop = LoopDevice.TryAttach(image.Path, output);
        Skip.If(loop is null, "losetup could not attach a loop device here");
        using var write = new NativeBuffer(8192);
        using var read = new NativeBuffer(8192);
        TempImage.Pattern(0, write.Span, seed: 17);
        using (var backend = RawFileBackend.Open(new BlockBackendOptions(loop.Path) { Engine = engine, CacheMode = cache }))
        {
            Assert.True(backend.IsBlockDevice);
            Assert.Equal(size, backend.Size);
            Assert.Equal(512, backend.LogicalBlockSize);

            AssertSucceeded(RunOne(backend, BlockIoRequest.Write(1 << 20, [write.Whole()], 1)), 8192);
            AssertSucceeded(RunOne(backend, BlockIoRequest.Flush(2)), 0);
            AssertSucceeded(RunOne(backend, BlockIoRequest.Read(1 << 20, [read.Whole()], 3)), 8192);
            Assert.Equal(write.Span.ToArray(), read.Span.ToArray());

            // BLKDISCARD on a loop device punches a hole in its backing file.
            AssertSucceeded(RunOne(backend, BlockIoRequest.Discard(2 << 20, 1 << 20, 4)), 1 << 20);
            AssertSucceeded(RunOne(backend, BlockIoRequest.WriteZeroes(4 << 20, 65536, unmap: false, 5)), 65536);
            AssertSucceeded(RunOne(backend, BlockIoRequest.Read(2 << 20, [read.Whole()], 6)), 8192);
            Assert.All(read.Span.ToArray(), b => Assert.Equal(0, b));
        }

        loop.Dispose(); // detach so the backing file is quiescent before it is read directly
        Assert.Equal(write.Span.ToArray(), image.ReadRange(1 << 20, 8192));
        Assert.All(image.ReadRange(2 << 20, 1 << 20), b => Assert.Equal(0, b));
        Assert.All(image.ReadRange(4 << 20, 65536), b => Assert.Equal(0, b));
        Assert.Equal(TempImage.PatternAt(3 << 20, 6), image.ReadRange(3 << 20, 1)[0]);
    }

    [SkippableFact]
    public void A_loop_device_is_locked_like_a_file()
    {
        using var image = TempImage.CreateEmpty(1 << 20);
        using var loop = LoopDevice.TryAttach(image.Path, output);
        Skip.If(loop is null, "losetup could not attach a loop device here");
        using var first = RawFileBackend.Open(new BlockBackendOptions(loop.Path));
        var ex = Assert.Throws<BlockImageLockedException>(() => RawFileBackend.Open(new BlockBackendOptions(loop.Path)));
        Assert.Contains(loop.Path, ex.Message);
    }
}
