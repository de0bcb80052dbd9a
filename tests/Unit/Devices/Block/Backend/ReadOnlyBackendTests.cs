using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Native;
using Xunit;
using Xunit.Abstractions;
using static PSVmm.Tests.Devices.Block.Backend.BackendDriver;

namespace PSVmm.Tests.Devices.Block.Backend;

public sealed class ReadOnlyBackendTests(ITestOutputHelper output)
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

            Assert.Equal(Errno.EROFS, results[0].Errno);
            Assert.Equal(Errno.EROFS, results[1].Errno);
            Assert.Equal(Errno.EROFS, results[2].Errno);
            AssertSucceeded(results[3], 4096);
            AssertSucceeded(results[4], 0);
            Assert.Equal(before[4096..8192], buffer.Span.ToArray());
            Assert.Equal(1, backend.GetStatistics().Write.Errors);
        }

        Assert.Equal(before, image.ReadAll());
    }

    [SkippableFact]
    public void An_immutable_image_opens_read_only_and_a_read_write_open_says_to_use_ReadOnly()
    {
        // chattr +i refuses writes even to root (these tests run as root, which ignores file modes).
        using var image = TempImage.CreatePatterned(4096);
        Skip.IfNot(Chattr("+i", image.Path), "chattr +i is unavailable here");

        try
        {
            var ex = Assert.Throws<UnauthorizedAccessException>(() => RawFileBackend.Open(new BlockBackendOptions(image.Path)));
            Assert.Contains("-ReadOnly", ex.Message);

            using var backend = RawFileBackend.Open(new BlockBackendOptions(image.Path) { ReadOnly = true });
            using var buffer = new NativeBuffer(512);
            AssertSucceeded(RunOne(backend, BlockIoRequest.Read(0, [buffer.Whole()], 1)), 512);
            Assert.Equal(image.ReadRange(0, 512), buffer.Span.ToArray());
        }
        finally
        {
            Chattr("-i", image.Path);
        }
    }

    private static bool Chattr(string change, string path)
    {
        try
        {
            using var process = System.Diagnostics.Process.Start("chattr", [change, path]);
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
