using System.Diagnostics;
using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Backend.Engines;
using Xunit;

namespace PSVmm.Tests.Devices.Block.Backend;

public sealed class ImageLockTests
{
    private static RawFileBackend Open(TempImage image, bool readOnly) =>
        RawFileBackend.Open(new BlockBackendOptions(image.Path) { ReadOnly = readOnly, Engine = BlockIoEngineKind.ThreadPool, WorkerThreads = 1 });

    [Fact]
    public void A_second_read_write_open_in_the_same_process_is_refused_naming_the_path_and_ReadOnly()
    {
        using var image = TempImage.CreateEmpty(4096);
        using var first = Open(image, readOnly: false);

        var ex = Assert.Throws<BlockImageLockedException>(() => Open(image, readOnly: false));

        Assert.Contains(image.Path, ex.Message);
        Assert.Contains("-ReadOnly", ex.Message);
        Assert.Equal(image.Path, ex.Path);
        Assert.False(ex.WantedReadOnly);
    }

    [Fact]
    public void Read_only_opens_share_the_image()
    {
        using var image = TempImage.CreateEmpty(4096);
        using var first = Open(image, readOnly: true);
        using var second = Open(image, readOnly: true);

        Assert.Equal(4096, second.Size);
    }

    [Fact]
    public void A_read_only_open_is_refused_while_a_writer_has_the_image()
    {
        using var image = TempImage.CreateEmpty(4096);
        using var writer = Open(image, readOnly: false);

        var ex = Assert.Throws<BlockImageLockedException>(() => Open(image, readOnly: true));
        Assert.True(ex.WantedReadOnly);
    }

    [Fact]
    public void A_read_write_open_is_refused_while_a_reader_has_the_image()
    {
        using var image = TempImage.CreateEmpty(4096);
        using var reader = Open(image, readOnly: true);

        Assert.Throws<BlockImageLockedException>(() => Open(image, readOnly: false));
    }

    [Fact]
    public void Disposing_the_backend_releases_the_lock()
    {
        using var image = TempImage.CreateEmpty(4096);
        Open(image, readOnly: false).Dispose();

        using var again = Open(image, readOnly: false);
        Assert.False(again.ReadOnly);
    }

    [Fact]
    public void A_failed_open_leaves_no_lock_behind()
    {
        using var image = TempImage.CreateEmpty(4096);
        using (Open(image, readOnly: false))
        {
            Assert.Throws<BlockImageLockedException>(() => Open(image, readOnly: false));
        }

        using var again = Open(image, readOnly: false);
    }

    [Fact]
    public void Another_process_holding_an_OFD_write_lock_keeps_us_out_until_it_exits()
    {
        using var image = TempImage.CreateEmpty(4096);
        using (var other = LockHelper.Start(image.Path, "ofd-write", hold: true))
        {
            Assert.Equal("locked", other.Outcome);
            Assert.Throws<BlockImageLockedException>(() => Open(image, readOnly: false));
            Assert.Throws<BlockImageLockedException>(() => Open(image, readOnly: true));
        }

        using var backend = Open(image, readOnly: false);
    }

    [Fact]
    public void Another_process_holding_an_OFD_read_lock_shares_with_read_only_opens_only()
    {
        using var image = TempImage.CreateEmpty(4096);
        using var other = LockHelper.Start(image.Path, "ofd-read", hold: true);
        Assert.Equal("locked", other.Outcome);

        using var reader = Open(image, readOnly: true);
        Assert.Throws<BlockImageLockedException>(() => Open(image, readOnly: false));
    }

    [Theory]
    [InlineData("ofd-write")]
    [InlineData("ofd-read")]
    [InlineData("posix-write")]
    public void While_we_write_the_image_another_process_cannot_lock_it(string lockKind)
    {
        using var image = TempImage.CreateEmpty(4096);
        using var backend = Open(image, readOnly: false);

        using var other = LockHelper.Start(image.Path, lockKind, hold: false);

        Assert.Equal("refused", other.Outcome);
    }

    [Fact]
    public void While_we_read_the_image_another_process_may_read_lock_but_not_write_lock_it()
    {
        using var image = TempImage.CreateEmpty(4096);
        using var backend = Open(image, readOnly: true);

        using (var reader = LockHelper.Start(image.Path, "ofd-read", hold: false))
        {
            Assert.Equal("locked", reader.Outcome);
        }

        using var writer = LockHelper.Start(image.Path, "ofd-write", hold: false);
        Assert.Equal("refused", writer.Outcome);
    }

    /// <summary>
    /// A python3 process that takes an OFD lock (F_OFD_SETLK, what QEMU uses) or a classic POSIX
    /// lock (lockf) on the whole file, prints "locked" or "refused", and, when holding, keeps the
    /// lock until its stdin closes.
    /// </summary>
    private sealed class LockHelper : IDisposable
    {
        private const string Script = """
            import fcntl, os, struct, sys
            path, kind, hold = sys.argv[1], sys.argv[2], sys.argv[3] == "hold"
            fd = os.open(path, os.O_RDONLY if kind == "ofd-read" else os.O_RDWR)
            try:
                if kind == "posix-write":
                    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                else:
                    ltype = fcntl.F_RDLCK if kind == "ofd-read" else fcntl.F_WRLCK
                    fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hhqqi4x", ltype, 0, 0, 0, 0))
                print("locked", flush=True)
            except OSError:
                print("refused", flush=True)
            if hold:
                sys.stdin.read()
            """;

        private readonly Process _process;

        private LockHelper(Process process, string outcome)
        {
            _process = process;
            Outcome = outcome;
        }

        public string Outcome { get; }

        public static LockHelper Start(string path, string kind, bool hold)
        {
            var info = new ProcessStartInfo("python3")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { "-c", Script, path, kind, hold ? "hold" : "try" })
            {
                info.ArgumentList.Add(arg);
            }

            var process = Process.Start(info)!;
            string? line = process.StandardOutput.ReadLine();
            return new LockHelper(process, line ?? "no output");
        }

        public void Dispose()
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(10_000))
            {
                _process.Kill();
            }

            _process.Dispose();
        }
    }
}
