using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Machine;

namespace PSVmm.Engine.Qemu;

/// <summary>Puts each -device virtio-blk-pci together with its -drive into one <see cref="VirtioBlkPciConfig"/>, in command-line order.</summary>
internal static class QemuDisks
{
    public static List<VirtioBlkPciConfig> Assemble(
        IReadOnlyList<QemuDrive> drives, IReadOnlyList<QemuBlockDevice> devices, IReadOnlyList<string> ioThreads, List<string> ignored)
    {
        var used = new HashSet<QemuDrive>();
        var disks = new List<VirtioBlkPciConfig>();
        foreach (var device in devices)
        {
            var drive = device.InlineDrive ?? drives.FirstOrDefault(d => d.Id == device.Drive)
                ?? throw new VmException("QemuDriveNotFound", VmErrorCategory.ObjectNotFound,
                    $"{device.Option} {device.Text}: drive={device.Drive} names no -drive. Add -drive id={device.Drive},file=...,if=none or correct drive=.");
            if (!used.Add(drive))
            {
                throw new VmException("ConflictingQemuOptions", VmErrorCategory.InvalidArgument,
                    $"{device.Option} {device.Text}: drive {device.Drive} is already used by another disk. Give each disk its own -drive.");
            }
            if (device.IoThread is { } io && !ioThreads.Contains(io))
            {
                throw new VmException("QemuIoThreadNotFound", VmErrorCategory.ObjectNotFound,
                    $"{device.Option} {device.Text}: iothread={io} names no -object iothread. Add -object iothread,id={io} or correct iothread=.");
            }
            if (device.IgnoredBootIndex is { } boot)
                ignored.Add($"-device ...,id={device.Id ?? device.Drive},{boot} (PSVmm boots the kernel directly)");
            var disk = Combine(drive, device, disks);
            if (disks.Any(d => string.Equals(d.Id, disk.Id, StringComparison.OrdinalIgnoreCase)))
            {
                throw new VmException("ConflictingQemuOptions", VmErrorCategory.InvalidArgument,
                    $"{device.Option} {device.Text}: another disk already has the id '{disk.Id}' (ids compare without regard to case). Give each -device its own id=.");
            }
            disks.Add(disk);
        }

        CheckMultifunction(devices, disks);
        foreach (var drive in drives.Where(d => !used.Contains(d)))
        {
            if (drive.Interface is null)
            {
                throw new VmException("UnsupportedQemuOptionValue", VmErrorCategory.InvalidArgument,
                    $"-drive {drive.Text}: no -device uses it, and without if= QEMU attaches it as an IDE disk, which PSVmm does not have. Add if=virtio or a -device virtio-blk-pci,drive={drive.Id}.");
            }
            ignored.Add($"-drive {drive.Text} (no -device uses it)");
        }
        foreach (string io in ioThreads.Where(t => !devices.Any(d => d.IoThread == t)))
            ignored.Add($"-object iothread,id={io} (no disk uses it)");
        return disks;
    }

    private static VirtioBlkPciConfig Combine(QemuDrive drive, QemuBlockDevice device, List<VirtioBlkPciConfig> before)
    {
        bool offerDiscard = device.Discard ?? true;
        var writeZeroes = (device.WriteZeroes, drive.DetectZeroes) switch
        {
            (false, null or VirtioBlkWriteZeroesMode.Off) => VirtioBlkWriteZeroesMode.Off,
            (true or null, VirtioBlkWriteZeroesMode.On or VirtioBlkWriteZeroesMode.Unmap) => drive.DetectZeroes.Value,
            (true or null, null) => VirtioBlkWriteZeroesMode.Unmap,
            (null, VirtioBlkWriteZeroesMode.Off) => VirtioBlkWriteZeroesMode.Off,
            _ => throw new VmException("ConflictingQemuOptions", VmErrorCategory.InvalidArgument,
                $"{device.Option} {device.Text}: write-zeroes={QemuValues.FormatBool(device.WriteZeroes!.Value)} and the drive's detect-zeroes={drive.DetectZeroes.ToString()!.ToLowerInvariant()} disagree. "
                + "PSVmm reads detect-zeroes=off as no write-zeroes, on as write-zeroes without unmap, unmap as write-zeroes that may unmap."),
        };
        string id = device.Id ?? drive.Id ?? NextId(before);
        var options = new BlockDeviceOptions(drive.Path)
        {
            Id = id,
            ReadOnly = drive.ReadOnly,
            Serial = device.Serial,
            NumQueues = device.NumQueues,
            QueueSize = device.QueueSize ?? BlockDeviceOptions.DefaultQueueSize,
            CacheMode = drive.CacheMode,
            Engine = drive.Engine,
            IoThread = device.IoThread,
            Discard = offerDiscard && drive.HostDiscard != false,
            WriteZeroes = writeZeroes,
            Throttle = drive.Throttle,
        };
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            bool limits = options.Throttle.Validate(id).Count > 0;
            throw new VmException(limits ? "InvalidDiskLimits" : "InvalidDiskOptions", VmErrorCategory.InvalidArgument,
                $"{(limits ? "-drive " + drive.Text : device.Option + " " + device.Text)}: {string.Join(" ", problems)}");
        }
        return new VirtioBlkPciConfig(options)
        {
            Slot = device.Slot,
            Function = device.Function,
            Transitional = device.Transitional ?? false,
        };
    }

    /// <summary>multifunction=off on function 0 of a slot that has other functions is what QEMU refuses too.</summary>
    private static void CheckMultifunction(IReadOnlyList<QemuBlockDevice> devices, List<VirtioBlkPciConfig> disks)
    {
        for (int i = 0; i < devices.Count; i++)
        {
            if (devices[i].Multifunction == false && disks[i].Slot is int slot && disks[i].Function == 0
                && disks.Any(d => d.Slot == slot && d.Function > 0))
            {
                throw new VmException("ConflictingQemuOptions", VmErrorCategory.InvalidArgument,
                    $"-device {devices[i].Text}: multifunction=off, but slot 0x{slot:x} has other functions. Use multifunction=on on function 0.");
            }
        }
    }

    /// <summary>disk0, disk1, ...: the first id no disk before has (Add-VirtioBlkPci's default).</summary>
    private static string NextId(List<VirtioBlkPciConfig> disks)
    {
        for (int i = 0; ; i++)
        {
            string id = $"disk{i}";
            if (!disks.Any(d => string.Equals(d.Id, id, StringComparison.OrdinalIgnoreCase)))
                return id;
        }
    }
}
