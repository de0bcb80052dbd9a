using System.Collections.Concurrent;
using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Native;
using PSVmm.Tests.TestDoubles;
using Xunit;

namespace PSVmm.Tests.Devices.Block.Device;

/// <summary>
/// Host faults injected at the backend seam (<see cref="FaultInjectingBlockBackend"/>): errors
/// and short transfers become IOERR for that request only, are counted and logged, and the
/// device goes on.
/// </summary>
public sealed class InjectedHostFaultTests
{
    private const int DiskSize = 1 << 20;

    private static MemoryBlockBackend Disk() => MemoryBlockBackend.Patterned(DiskSize);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_short_read_is_IOERR_not_a_success_with_stale_bytes(bool packed)
    {
        var faults = new FaultInjectingBlockBackend(Disk());
        using var rig = new BlockRig(faults, packed: packed);
        faults.ShortenWhen(r => r.Kind == BlockIoKind.Read, times: 1);

        var read = rig.AddRead(0, 8, 4096);
        Assert.Equal(1u, rig.Run(read));

        Assert.Equal(VirtioBlkStatus.IoError, rig.ReadStatus(read.Status));
        Assert.Equal(new BlockKindStatistics(1, 0, 1), rig.Engine.GetStatistics().Read);
        Assert.Contains(rig.Log, m => m.Contains("In at sector 8 failed") && m.Contains("(EIO)"));
        Assert.False(rig.Engine.IsBroken);
        Assert.Empty(rig.FatalErrors);
    }

    [Fact]
    public void A_short_write_is_IOERR()
    {
        var faults = new FaultInjectingBlockBackend(Disk());
        using var rig = new BlockRig(faults);
        faults.ShortenWhen(r => r.Kind == BlockIoKind.Write, fraction: 0.9, times: 1);

        var write = rig.AddWrite(0, 0, new byte[4096]);
        Assert.Equal(1u, rig.Run(write));

        Assert.Equal(VirtioBlkStatus.IoError, rig.ReadStatus(write.Status));
        Assert.Equal(new BlockKindStatistics(1, 0, 1), rig.Engine.GetStatistics().Write);
    }

    [Fact]
    public void A_write_in_writethrough_mode_that_fails_is_not_flushed_and_fails()
    {
        var faults = new FaultInjectingBlockBackend(Disk());
        using var rig = new BlockRig(faults);
        rig.Config.SetWriteback(false);
        faults.FailNext(BlockIoKind.Write, Errno.ENOSPC);

        var write = rig.AddWrite(0, 0, new byte[512]);
        rig.Run(write);

        Assert.Equal(VirtioBlkStatus.IoError, rig.ReadStatus(write.Status));
        Assert.DoesNotContain(faults.Submitted, r => r.Kind == BlockIoKind.Flush);
        Assert.Contains(rig.Log, m => m.Contains("(ENOSPC)") && m.Contains("file system holding the image is full"));
    }

    /// <summary>
    /// A stream of reads and writes at depth, a random third of them failing with EIO or ENOSPC
    /// or completing short: every request completes once, with IOERR exactly when it was faulted,
    /// successful reads return the disk's bytes, and the counters add up.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_faults_under_load_fail_exactly_the_faulted_requests(int seed)
    {
        var disk = Disk();
        var faults = new FaultInjectingBlockBackend(disk);
        using var rig = new BlockRig(faults, queueSize: 128);
        var random = new Random(seed);
        // Every request has its own sector, so its fault is known by its offset.
        var failing = new ConcurrentDictionary<long, int>();
        var shortened = new ConcurrentDictionary<long, bool>();
        faults.FailWhen(r => failing.TryGetValue(r.Offset, out int e) && e == Errno.EIO, Errno.EIO);
        faults.FailWhen(r => failing.TryGetValue(r.Offset, out int e) && e == Errno.ENOSPC, Errno.ENOSPC);
        faults.ShortenWhen(r => shortened.ContainsKey(r.Offset));
        var expected = new Dictionary<bool, (long Requests, long Bytes, long Errors)> { [false] = default, [true] = default };
        for (int round = 0; round < 8; round++)
        {
            var requests = new List<(BlockRig.Pending Pending, bool Write, ulong Sector, bool Faulted)>();
            for (int i = 0; i < 32; i++)
            {
                ulong sector = (ulong)(round * 32 + i) * 8;
                long offset = (long)sector * 512;
                bool write = random.Next(2) == 0;
                int fault = random.Next(6);
                if (fault == 0)
                {
                    failing[offset] = write ? Errno.ENOSPC : Errno.EIO;
                }
                else if (fault == 1)
                {
                    shortened[offset] = true;
                }

                var pending = write ? rig.AddWrite(0, sector, new byte[512]) : rig.AddRead(0, sector, 512);
                requests.Add((pending, write, sector, fault <= 1));
            }

            rig.Kick();
            rig.WaitUsed(0, requests.Count);
            foreach (var (pending, write, sector, faulted) in requests)
            {
                Assert.Equal(faulted ? VirtioBlkStatus.IoError : VirtioBlkStatus.Ok, rig.ReadStatus(pending.Status));
                if (!write && !faulted)
                {
                    Assert.Equal(disk.Data.Slice((int)sector * 512, 512).ToArray(), rig.Read(pending.Data, 512));
                }

                var (requestCount, bytes, errors) = expected[write];
                expected[write] = (requestCount + 1, bytes + (faulted ? 0 : 512), errors + (faulted ? 1 : 0));
            }
        }

        var stats = rig.Engine.GetStatistics();
        Assert.Equal(new BlockKindStatistics(expected[false].Requests, expected[false].Bytes, expected[false].Errors), stats.Read);
        Assert.Equal(new BlockKindStatistics(expected[true].Requests, expected[true].Bytes, expected[true].Errors), stats.Write);
        Assert.True(expected[false].Errors + expected[true].Errors > 0, "the seed faulted nothing");
        Assert.Equal(0, stats.InFlight);
        Assert.False(rig.Engine.IsBroken);
    }
}
