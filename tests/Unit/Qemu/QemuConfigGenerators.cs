using FsCheck;
using FsCheck.Fluent;
using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Backend.Engines;
using PSVmm.Engine.Devices.Block.Throttle;
using PSVmm.Engine.Machine;

namespace PSVmm.Tests.Qemu;

/// <summary>Valid VmConfigs of every shape the QEMU conversion understands, with paths and serials full of characters that need quoting and escaping.</summary>
internal static class QemuConfigGenerators
{
    private const string Letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private const string NameChars = Letters + "0123456789._-";
    /// <summary>Shell and QEMU specials: space, comma, both quotes, backslash, $, =, #, a tab, a newline, non-ASCII.</summary>
    private const string AwkwardChars = Letters + "0123456789/._- ,'\"\\$=#\t\né*";

    public static Gen<VmConfig> Config =>
        from name in Word(Letters, NameChars, 0, 12)
        from memory in Gen.Choose(VmConfig.MinMemoryMB, 65536)
        from cpus in Gen.Choose(1, VmConfig.MaxCpuCount)
        from kernel in Path.OrNull()
        from initrd in Path.OrNull()
        from args in Gen.Elements("", "console=ttyS0", "console=ttyS0 root=/dev/vda rw quiet", "a,b=c 'q' \"d\" $x")
        from disks in Gen.Choose(0, 4).SelectMany(n => Gen.ListOf(Disk, n))
        select Build(name, memory, cpus, kernel, initrd, args, disks);

    public static Gen<string> AnyWord => Gen.Choose(0, 16).SelectMany(n => Gen.ArrayOf(Gen.Elements(AwkwardChars.ToCharArray()), n)).Select(c => new string(c));

    private static Gen<string> Path => Word(Letters + "/.", AwkwardChars, 0, 24);

    private static Gen<VirtioBlkPciConfig> Disk =>
        from path in Path
        from id in Word(Letters, NameChars, 0, 8)
        from readOnly in Gen.Elements(true, false)
        from serial in Word(AwkwardChars, AwkwardChars, 0, 9).OrNull()
        from queues in Gen.Choose(1, BlockDeviceOptions.MaxQueues).Select(n => (int?)n).Or(Gen.Constant((int?)null))
        from queueSizeLog in Gen.Choose(1, 10)
        from cache in Gen.Elements(Enum.GetValues<BlockCacheMode>())
        from engine in Gen.Elements(Enum.GetValues<BlockIoEngineKind>())
        from ioThread in Word(Letters, NameChars, 0, 6).OrNull()
        from discard in Gen.Elements(true, false)
        from writeZeroes in Gen.Elements(Enum.GetValues<VirtioBlkWriteZeroesMode>())
        from limits in Limits
        from slot in Gen.Choose(1, 31).Select(s => (int?)s).Or(Gen.Constant((int?)null))
        from function in Gen.Choose(0, 7)
        from transitional in Gen.Elements(true, false)
        select new VirtioBlkPciConfig(new BlockDeviceOptions(path)
        {
            Id = id,
            ReadOnly = readOnly,
            Serial = serial,
            NumQueues = queues,
            QueueSize = 1 << queueSizeLog,
            CacheMode = cache,
            Engine = engine,
            IoThread = ioThread,
            Discard = discard,
            WriteZeroes = writeZeroes,
            Throttle = limits,
        })
        { Slot = slot, Function = slot is null ? 0 : function, Transitional = transitional };

    /// <summary>Valid limits: per kind either none, a total, or read and/or write limits; bursts at least the rate.</summary>
    private static Gen<ThrottleLimits> Limits =>
        from iops in Kind
        from bps in Kind
        select ThrottleLimits.None with
        {
            TotalIops = iops.Total,
            ReadIops = iops.Read,
            WriteIops = iops.Write,
            TotalBytesPerSecond = bps.Total,
            ReadBytesPerSecond = bps.Read,
            WriteBytesPerSecond = bps.Write,
        };

    private static Gen<(ThrottleRate Total, ThrottleRate Read, ThrottleRate Write)> Kind => Gen.OneOf(
        Gen.Constant((ThrottleRate.Unlimited, ThrottleRate.Unlimited, ThrottleRate.Unlimited)),
        Rate.Select(r => (r, ThrottleRate.Unlimited, ThrottleRate.Unlimited)),
        Gen.Zip(Rate.Or(Gen.Constant(ThrottleRate.Unlimited)), Rate).Select(p => (ThrottleRate.Unlimited, p.Item1, p.Item2)));

    private static Gen<ThrottleRate> Rate =>
        from rate in Gen.Choose(1, 1_000_000)
        from extra in Gen.Choose(0, 1_000_000)
        from burst in Gen.Elements(false, true)
        from seconds in Gen.Choose(0, 3600)
        from fraction in Gen.Elements(0.0, 0.5, 0.25)
        select burst ? new ThrottleRate(rate + fraction, rate + fraction + extra, seconds) : new ThrottleRate(rate + fraction);

    private static Gen<string> Word(string first, string rest, int minRest, int maxRest) =>
        from head in Gen.Elements(first.ToCharArray())
        from n in Gen.Choose(minRest, maxRest)
        from tail in Gen.ArrayOf(Gen.Elements(rest.ToCharArray()), n)
        select head + new string(tail);

    /// <summary>The disks with ids made unique (ids compare case-insensitively in a VM).</summary>
    private static VmConfig Build(string name, int memory, int cpus, string? kernel, string? initrd, string args, List<VirtioBlkPciConfig> disks)
    {
        var unique = disks.Select((d, i) => d with { Disk = d.Disk with { Id = $"{d.Id}{i}" } }).ToList();
        return new VmConfig
        {
            Name = name,
            MemoryMB = memory,
            CpuCount = cpus,
            KernelPath = kernel,
            InitrdPath = initrd,
            KernelArgs = args,
            BlockDevices = unique,
        };
    }
}
