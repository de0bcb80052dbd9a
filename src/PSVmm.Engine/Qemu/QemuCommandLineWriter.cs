using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Backend.Engines;
using PSVmm.Engine.Machine;

namespace PSVmm.Engine.Qemu;

/// <summary>
/// The QEMU arguments (without the program name) that run a <see cref="VmConfig"/>'s machine
/// under qemu-system-x86_64 with KVM: the serial console on stdio, no default devices, each disk
/// a -drive if=none with its own -device virtio-blk-pci. Everything the config says that QEMU
/// has a word for is written out, so <see cref="QemuCommandLineReader"/> reads back the same
/// config (PSVmm-only settings such as the CPU profile and the console log are not).
/// </summary>
public static class QemuCommandLineWriter
{
    /// <summary>What -drive ids are made of: "drive-" and the disk's id (-device ids are the disk ids).</summary>
    public const string DriveIdPrefix = "drive-";

    public static IReadOnlyList<string> Write(VmConfig config, QemuWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        options ??= new QemuWriteOptions();
        var args = new List<string> { "-enable-kvm", "-cpu", options.Cpu, "-nodefaults", "-no-reboot", "-display", "none", "-serial", "stdio" };
        args.AddRange(["-name", QemuOptionList.Format([(config.Name.Contains('=') ? "guest" : "", config.Name)]), "-m", config.MemoryMB.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-smp", config.CpuCount.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (config.KernelPath is { } kernel)
            args.AddRange(["-kernel", kernel]);
        if (config.InitrdPath is { } initrd)
            args.AddRange(["-initrd", initrd]);
        if (!string.IsNullOrEmpty(config.KernelArgs))
            args.AddRange(["-append", config.KernelArgs]);

        var disks = config.BlockDevices.Select(d => Resolve(d, options)).ToList();
        foreach (string io in disks.Select(d => d.Disk.IoThread).OfType<string>().Distinct(StringComparer.Ordinal))
            args.AddRange(["-object", QemuOptionList.Format([("", "iothread"), ("id", io)])]);
        foreach (var disk in disks)
        {
            args.AddRange(["-drive", QemuOptionList.Format(DriveKeys(disk.Disk, options))]);
            args.AddRange(["-device", QemuOptionList.Format(DeviceKeys(disk, disks))]);
        }
        return args;
    }

    /// <summary>The disk as it is written: with <see cref="QemuWriteOptions.Fastest"/>, an iothread and cache=none where the config leaves them open.</summary>
    private static VirtioBlkPciConfig Resolve(VirtioBlkPciConfig disk, QemuWriteOptions options)
    {
        if (disk.Slot is null && disk.Function != 0)
            throw new VmException("InvalidPciAddress", VmErrorCategory.InvalidArgument, $"Disk '{disk.Id}' has PCI function {disk.Function} but no slot; QEMU's addr= needs both. Give it a -PciAddress.");
        if (!options.Fastest)
            return disk;
        return disk with
        {
            Disk = disk.Disk with
            {
                IoThread = disk.Disk.IoThread ?? PciPlatform.DefaultIoThread,
                CacheMode = BlockCacheMode.None,
            },
        };
    }

    private static IEnumerable<(string, string)> DriveKeys(BlockDeviceOptions disk, QemuWriteOptions options)
    {
        yield return ("file", disk.Path);
        yield return ("if", "none");
        yield return ("id", DriveIdPrefix + disk.Id);
        yield return ("format", "raw");
        if (disk.ReadOnly)
            yield return ("readonly", "on");
        yield return ("cache", disk.CacheMode == BlockCacheMode.None ? "none" : "writeback");
        if (Aio(disk, options) is { } aio)
            yield return ("aio", aio);
        // QEMU punches holes for discard and may-unmap write-zeroes only with discard=unmap on the drive.
        if (disk.Discard || disk.WriteZeroes == VirtioBlkWriteZeroesMode.Unmap)
            yield return ("discard", "unmap");
        // detect-zeroes= carries the write-zeroes mode for the round trip; QEMU also scans every
        // write for zeroes with it, which the fastest set-up leaves out.
        if (!options.Fastest)
            yield return ("detect-zeroes", disk.WriteZeroes.ToString().ToLowerInvariant());
        foreach (var key in QemuThrottleOptions.Write(disk.Throttle))
            yield return key;
    }

    private static string? Aio(BlockDeviceOptions disk, QemuWriteOptions options)
    {
        var aio = disk.Engine switch
        {
            BlockIoEngineKind.IoUring => QemuAio.IoUring,
            BlockIoEngineKind.ThreadPool => QemuAio.Threads,
            _ => options.Aio ?? (options.Fastest ? QemuAio.IoUring : null),
        };
        if (aio == QemuAio.Native && disk.CacheMode != BlockCacheMode.None)
        {
            throw new VmException("QemuAioNeedsDirectCache", VmErrorCategory.InvalidArgument,
                $"Disk '{disk.Id}' uses the host page cache, and QEMU runs aio=native only with cache=none. Use -Fastest, -Aio IoUring, or give the disk -Cache None.");
        }
        return aio switch
        {
            QemuAio.IoUring => "io_uring",
            QemuAio.Threads => "threads",
            QemuAio.Native => "native",
            _ => null,
        };
    }

    private static IEnumerable<(string, string)> DeviceKeys(VirtioBlkPciConfig device, List<VirtioBlkPciConfig> all)
    {
        var disk = device.Disk;
        yield return ("", "virtio-blk-pci");
        yield return ("drive", DriveIdPrefix + disk.Id);
        yield return ("id", disk.Id);
        if (device.Slot is int slot)
        {
            yield return ("addr", $"0x{slot:x}.0x{device.Function:x}");
            if (device.Function == 0 && all.Any(d => d.Slot == slot && d.Function > 0))
                yield return ("multifunction", "on");
        }
        if (disk.NumQueues is int queues)
            yield return ("num-queues", queues.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return ("queue-size", disk.QueueSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (disk.Serial is { } serial)
            yield return ("serial", serial);
        if (disk.IoThread is { } io)
            yield return ("iothread", io);
        yield return ("discard", QemuValues.FormatBool(disk.Discard));
        yield return ("write-zeroes", QemuValues.FormatBool(disk.WriteZeroes != VirtioBlkWriteZeroesMode.Off));
        yield return ("packed", "on");
        yield return ("disable-legacy", QemuValues.FormatBool(!device.Transitional));
    }
}
