using PSVmm.Engine.Devices.Block.Throttle;

namespace PSVmm.Engine.Machine;

public sealed partial class VmConfig
{
    /// <summary>The disk with this id (ids compare case-insensitively), or null.</summary>
    public VirtioBlkPciConfig? FindBlockDevice(string id) =>
        BlockDevices.FirstOrDefault(d => string.Equals(d?.Id, id, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Gives disk <paramref name="id"/> new I/O limits (replacing its record). Throws
    /// <see cref="VmException"/> DiskNotFound or InvalidDiskLimits and then changes nothing.
    /// </summary>
    public void SetBlockDeviceLimits(string id, ThrottleLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        int index = BlockDevices.FindIndex(d => string.Equals(d?.Id, id, StringComparison.OrdinalIgnoreCase));
        if (index < 0)
        {
            throw new VmException("DiskNotFound", VmErrorCategory.ObjectNotFound,
                $"VM '{Name}' has no disk with id '{id}'. Its disks: {(BlockDevices.Count == 0 ? "none" : string.Join(", ", BlockDevices.Select(d => d?.Id)))}.");
        }

        var disk = BlockDevices[index];
        var problems = limits.Validate(disk.Id);
        if (problems.Count > 0)
            throw new VmException("InvalidDiskLimits", VmErrorCategory.InvalidArgument, string.Join(" ", problems));

        BlockDevices[index] = disk with { Disk = disk.Disk with { Throttle = limits } };
    }
}
