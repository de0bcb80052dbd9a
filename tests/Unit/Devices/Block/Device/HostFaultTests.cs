using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Backend.Engines;
using PSVmm.Engine.IoThreads;
using PSVmm.Tests.Devices.Block.Backend;
using PSVmm.Tests.TestDoubles;
using Xunit;
using Xunit.Abstractions;
using T = PSVmm.Engine.Devices.Block.VirtioBlkRequestType;

namespace PSVmm.Tests.Devices.Block.Device;

/// <summary>
/// Real host faults under a running disk, through the real backend: a full file system, an
/// image truncated, deleted, made read-only. The failed requests end in IOERR with the reason in
/// the device log (the VM's event log in a machine), nothing breaks, and the device goes on.
/// </summary>
public sealed class HostFaultTests(ITestOutputHelper output)
{
    private const int Chunk = 64 << 10;

    public static TheoryData<BlockIoEngineKind, BlockCacheMode> Modes => new()
    {
        { BlockIoEngineKind.IoUring, BlockCacheMode.None },
        { BlockIoEngineKind.IoUring, BlockCacheMode.Writeback },
        { BlockIoEngineKind.ThreadPool, BlockCacheMode.None },
        { BlockIoEngineKind.ThreadPool, BlockCacheMode.Writeback },
    };

    private static BlockRig OpenRig(string path, BlockIoEngineKind engine, BlockCacheMode cache, IoThread? ioThread = null) =>
        new(RawFileBackend.Open(new BlockBackendOptions(path) { Engine = engine, CacheMode = cache }), ioThread: ioThread);

    /// <summary>tmpfs takes O_DIRECT only from Linux 6.6 on: older kernels skip cache mode None.</summary>
    private static BlockRig OpenOnTmpfs(string path, BlockIoEngineKind engine, BlockCacheMode cache, IoThread ioThread)
    {
        try
        {
            return OpenRig(path, engine, cache, ioThread);
        }
        catch (IOException e) when (cache == BlockCacheMode.None && e.Message.Contains("O_DIRECT", StringComparison.Ordinal))
        {
            throw new SkipException($"tmpfs on this kernel does not support O_DIRECT: {e.Message}");
        }
    }

    private static byte[] Pattern(int length, int seed)
    {
        var data = new byte[length];
        TempImage.Pattern(0, data, seed);
        return data;
    }

    /// <summary>Writes <paramref name="count"/> chunks from <paramref name="firstSector"/> on, 16 at a time; returns each one's status.</summary>
    private static List<byte> WriteChunks(BlockRig rig, ulong firstSector, int count)
    {
        var statuses = new List<byte>();
        for (int done = 0; done < count;)
        {
            var batch = new List<BlockRig.Pending>();
            for (int i = 0; i < 16 && done < count; i++, done++)
            {
                batch.Add(rig.AddWrite(0, firstSector + (ulong)(done * Chunk / 512), Pattern(Chunk, done)));
            }

            rig.Kick();
            rig.WaitUsed(0, batch.Count);
            statuses.AddRange(batch.Select(p => rig.ReadStatus(p.Status)));
        }

        return statuses;
    }

    private static byte Run(BlockRig rig, BlockRig.Pending request)
    {
        rig.Run(request);
        return rig.ReadStatus(request.Status);
    }

    [SkippableTheory]
    [MemberData(nameof(Modes))]
    public void A_full_file_system_fails_writes_with_IOERR_while_reads_and_the_neighbour_go_on(BlockIoEngineKind engine, BlockCacheMode cache)
    {
        using var tmpfs = TmpfsMount.TryMount(2048, out string whyNot);
        Skip.If(tmpfs is null, whyNot);
        string filler = tmpfs.Fill("filler", 512 << 10);
        using var image = TempImage.CreateEmpty(16 << 20, tmpfs.Path);
        using var ioThread = new IoThread("host-faults");
        using var rig = OpenOnTmpfs(image.Path, engine, cache, ioThread);
        using var neighbour = new BlockRig(new MemoryBlockBackend(1 << 20), ioThread: ioThread);

        // 3 MiB of writes into a 2 MiB file system that is a quarter full.
        var statuses = WriteChunks(rig, 0, 48);

        int failed = statuses.Count(s => s == VirtioBlkStatus.IoError);
        output.WriteLine($"{engine}/{cache}: {statuses.Count - failed} writes of 64 KiB succeeded, {failed} failed");
        Assert.All(statuses, s => Assert.True(s is VirtioBlkStatus.Ok or VirtioBlkStatus.IoError, $"status {s}"));
        Assert.InRange(failed, 1, statuses.Count - 1);
        Assert.Equal(failed, rig.Engine.GetStatistics().Write.Errors);
        Assert.Contains(rig.Log, m => m.Contains("(ENOSPC)") && m.Contains("file system holding the image is full"));
        Assert.False(rig.Engine.IsBroken);
        Assert.Empty(rig.FatalErrors);

        // What was written reads back; the neighbour on the same IoThread never noticed.
        var read = rig.AddRead(0, 0, Chunk);
        Assert.Equal(VirtioBlkStatus.Ok, Run(rig, read));
        Assert.Equal(Pattern(Chunk, 0), rig.Read(read.Data, Chunk));
        var neighbourWrite = neighbour.AddWrite(0, 0, Pattern(4096, 9));
        Assert.Equal(VirtioBlkStatus.Ok, Run(neighbour, neighbourWrite));
        Assert.Equal(VirtioBlkStatus.Ok, Run(rig, rig.AddBare(0, (uint)T.Flush)));

        // Space freed on the host: the same disk writes again without a reset.
        File.Delete(filler);
        int firstFailed = statuses.IndexOf(VirtioBlkStatus.IoError);
        Assert.All(WriteChunks(rig, (ulong)(firstFailed * Chunk / 512), 4), s => Assert.Equal(VirtioBlkStatus.Ok, s));
        var again = rig.AddRead(0, (ulong)(firstFailed * Chunk / 512), Chunk);
        Assert.Equal(VirtioBlkStatus.Ok, Run(rig, again));
        Assert.Equal(Pattern(Chunk, 0), rig.Read(again.Data, Chunk));
    }

    [Theory]
    [InlineData(BlockIoEngineKind.IoUring)]
    [InlineData(BlockIoEngineKind.ThreadPool)]
    public void Reads_past_the_end_of_a_truncated_image_are_IOERR_not_stale_data(BlockIoEngineKind engine)
    {
        using var image = TempImage.CreatePatterned(1 << 20, seed: 3);
        using var rig = OpenRig(image.Path, engine, BlockCacheMode.Writeback);
        using (var stream = new FileStream(image.Path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.SetLength(64 << 10);
        }

        var inside = rig.AddRead(0, 0, 4096);
        Assert.Equal(VirtioBlkStatus.Ok, Run(rig, inside));
        Assert.Equal(image.ReadRange(0, 4096), rig.Read(inside.Data, 4096));

        var across = rig.AddRead(0, (60 << 10) / 512, 8192);
        Assert.Equal(VirtioBlkStatus.IoError, Run(rig, across));
        var beyond = rig.AddRead(0, (512 << 10) / 512, 4096);
        Assert.Equal(VirtioBlkStatus.IoError, Run(rig, beyond));
        Assert.Equal(2, rig.Engine.GetStatistics().Read.Errors);
        Assert.Contains(rig.Log, m => m.Contains("(ENODATA)") && m.Contains("truncated"));

        // POSIX: a write past the end grows the file again; what it wrote reads back.
        var write = rig.AddWrite(0, (512 << 10) / 512, Pattern(4096, 5));
        Assert.Equal(VirtioBlkStatus.Ok, Run(rig, write));
        Assert.Equal(Pattern(4096, 5), image.ReadRange(512 << 10, 4096));
        Assert.False(rig.Engine.IsBroken);
    }

    /// <summary>
    /// POSIX keeps an open file's data reachable through its descriptor: after the image's name is
    /// deleted or its mode made read-only, the running disk reads and writes on (the data is lost
    /// with the last descriptor when deleted). What changes is the next open: a new start fails.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void An_image_deleted_or_made_read_only_under_the_disk_keeps_working_through_its_open_descriptor(bool delete)
    {
        using var image = TempImage.CreatePatterned(1 << 20, seed: 4);
        using var rig = OpenRig(image.Path, BlockIoEngineKind.Auto, BlockCacheMode.Writeback);
        if (delete)
        {
            File.Delete(image.Path);
        }
        else
        {
            Assert.Equal(0, HostCommand.Run("chmod", "0444", image.Path).Code);
        }

        var write = rig.AddWrite(0, 16, Pattern(4096, 6));
        Assert.Equal(VirtioBlkStatus.Ok, Run(rig, write));
        var read = rig.AddRead(0, 16, 4096);
        Assert.Equal(VirtioBlkStatus.Ok, Run(rig, read));
        Assert.Equal(Pattern(4096, 6), rig.Read(read.Data, 4096));
        Assert.Equal(VirtioBlkStatus.Ok, Run(rig, rig.AddBare(0, (uint)T.Flush)));
        Assert.Empty(rig.Log);
        if (!delete)
        {
            Assert.Equal(Pattern(4096, 6), image.ReadRange(16 * 512, 4096));
        }
    }

    /// <summary>
    /// Linux refuses to remount a file system read-only while a file on it is open for writing
    /// (EBUSY), so a running writable disk keeps its image writable. Where a kernel lets the
    /// remount through, writes must fail with IOERR (EROFS) and reads go on.
    /// </summary>
    [SkippableFact]
    public void A_read_only_remount_under_a_running_disk_is_refused_or_fails_writes_cleanly()
    {
        using var tmpfs = TmpfsMount.TryMount(4096, out string whyNot);
        Skip.If(tmpfs is null, whyNot);
        using var image = TempImage.CreateEmpty(1 << 20, tmpfs.Path);
        using var rig = OpenRig(image.Path, BlockIoEngineKind.Auto, BlockCacheMode.Writeback);
        Assert.Equal(VirtioBlkStatus.Ok, Run(rig, rig.AddWrite(0, 0, Pattern(4096, 7))));

        var (code, error) = tmpfs.Remount("ro");
        output.WriteLine($"remount,ro: exit {code} {error}");
        var write = rig.AddWrite(0, 8, Pattern(4096, 8));
        byte status = Run(rig, write);
        if (code != 0)
        {
            Assert.Contains("busy", error, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(VirtioBlkStatus.Ok, status);
        }
        else
        {
            Assert.Equal(VirtioBlkStatus.IoError, status);
            Assert.Contains(rig.Log, m => m.Contains("(EROFS)"));
            tmpfs.Remount("rw");
        }

        var read = rig.AddRead(0, 0, 4096);
        Assert.Equal(VirtioBlkStatus.Ok, Run(rig, read));
        Assert.Equal(Pattern(4096, 7), rig.Read(read.Data, 4096));
        Assert.False(rig.Engine.IsBroken);
    }
}
