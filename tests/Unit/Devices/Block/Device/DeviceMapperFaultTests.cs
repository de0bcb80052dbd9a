using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Backend.Engines;
using PSVmm.Tests.Devices.Block.Backend;
using Xunit;
using Xunit.Abstractions;

namespace PSVmm.Tests.Devices.Block.Device;

/// <summary>
/// A disk on a real faulting block device: device-mapper's "error" target makes the second half
/// of a loop device fail every I/O with EIO. Skipped, with the reason, where device-mapper is
/// absent (no /dev/mapper/control) or loop devices cannot be attached.
/// </summary>
public sealed class DeviceMapperFaultTests(ITestOutputHelper output)
{
    private const int Sectors = 8192;

    public static TheoryData<BlockIoEngineKind, BlockCacheMode> Modes => HostFaultTests.Modes;

    [SkippableTheory]
    [MemberData(nameof(Modes))]
    public void The_failing_half_of_a_device_gives_IOERR_and_the_good_half_keeps_working(BlockIoEngineKind engine, BlockCacheMode cache)
    {
        using var image = TempImage.CreatePatterned(Sectors * 512L, seed: 11);
        using var loop = LoopDevice.TryAttach(image.Path, output);
        Skip.If(loop is null, "losetup could not attach a loop device here");
        string[] table = [$"0 {Sectors / 2} linear {loop.Path} 0", $"{Sectors / 2} {Sectors / 2} error"];
        using var target = DeviceMapperTarget.TryCreate(table, ["linear", "error"], out string whyNot);
        Skip.If(target is null, whyNot);
        using var rig = new BlockRig(RawFileBackend.Open(new BlockBackendOptions(target.Path) { Engine = engine, CacheMode = cache }));

        var bad = rig.AddRead(0, Sectors / 2 + 8, 4096);
        rig.Run(bad);
        Assert.Equal(VirtioBlkStatus.IoError, rig.ReadStatus(bad.Status));
        // O_DIRECT reaches the device at once; a cached write lands in the host page cache and
        // the error surfaces at the guest's next flush (writeback semantics).
        var badWrite = rig.AddWrite(0, Sectors - 8, new byte[4096]);
        rig.Run(badWrite);
        var flush = rig.AddBare(0, (uint)VirtioBlkRequestType.Flush);
        rig.Run(flush);
        bool direct = cache == BlockCacheMode.None;
        Assert.Equal(direct ? VirtioBlkStatus.IoError : VirtioBlkStatus.Ok, rig.ReadStatus(badWrite.Status));
        Assert.Equal(direct ? VirtioBlkStatus.Ok : VirtioBlkStatus.IoError, rig.ReadStatus(flush.Status));

        var good = rig.AddRead(0, 8, 4096);
        rig.Run(good);
        Assert.Equal(VirtioBlkStatus.Ok, rig.ReadStatus(good.Status));
        Assert.Equal(image.ReadRange(8 * 512, 4096), rig.Read(good.Data, 4096));
        var stats = rig.Engine.GetStatistics();
        Assert.Equal(1, stats.Read.Errors);
        Assert.Equal(direct ? 1 : 0, stats.Write.Errors);
        Assert.Equal(direct ? 0 : 1, stats.Flush.Errors);
        Assert.Contains(rig.Log, m => m.Contains("(EIO)"));
        Assert.False(rig.Engine.IsBroken);
    }
}
