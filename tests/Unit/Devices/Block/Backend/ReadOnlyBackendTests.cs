using Xunit;
using PSVmm.Engine.Devices.Block.Backend;
using static PSVmm.Tests.Devices.Block.Backend.BackendDriver;

namespace PSVmm.Tests.Devices.Block.Backend;

public sealed class ReadOnlyBackendTests
{
    [Fact]
    public void A_read_only_backend_reads_and_flushes_but_refuses_every_change_with_EROFS()
    {
        using var image = TempImage.CreatePatterned(1 << 16, seed: 4);
        byte[] before = image.ReadAll();
        using var buffer = new NativeBuffer(4096);
        using (var backend = RawFileBackend.Open(new BlockBackendOptions(image.Path) { ReadOnly = true }))
        {
            Assert.True(backend.ReadOnly);
            Assert.False(backend.SupportsDiscard);
            Assert.False(backend.SupportsWriteZeroes);

            var results = Run(backend,
                BlockIoRequest.Write(0, [buffer.Whole()], 1),
                BlockIoRequest.Discard(0, 4096, 2),
                BlockIoRequest.WriteZeroes(0, 4096, unmap: true, 3),
                BlockIoRequest.Read(4096, [buffer.Whole()], 4),
                BlockIoRequest.Flush(5));

            Assert.Equal(BlockErrno.EROFS, results[0].Errno);
            Assert.Equal(BlockErrno.EROFS, results[1].Errno);
            Assert.Equal(BlockErrno.EROFS, results[2].Errno);
            AssertSucceeded(results[3], 4096);
            AssertSucceeded(results[4], 0);
            Assert.Equal(before[4096..8192], buffer.Span.ToArray());
            Assert.Equal(1, backend.GetStatistics().Write.Errors);
        }

        Assert.Equal(before, image.ReadAll());
    }

    [Fact]
    public void A_read_only_backend_opens_a_file_without_write_permission()
    {
        using var image = TempImage.CreatePatterned(4096);
        File.SetUnixFileMode(image.Path, UnixFileMode.UserRead);
        try
        {
            using var backend = RawFileBackend.Open(new BlockBackendOptions(image.Path) { ReadOnly = true });
            Assert.Equal(4096, backend.Size);
        }
        finally
        {
            File.SetUnixFileMode(image.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
