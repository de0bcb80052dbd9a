using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Devices.Block.Throttle;
using PSVmm.Engine.Machine;
using Xunit;

namespace PSVmm.Tests.Machine;

/// <summary>Disk limits on a configuration and on a VM that is not running (the running path needs KVM; VirtioBlockPciTests covers the device's side).</summary>
public sealed class DiskLimitsTests
{
    private static VmConfig Config() => new()
    {
        Name = "limits",
        BlockDevices = [new VirtioBlkPciConfig(new BlockDeviceOptions("/tmp/a.img") { Id = "disk0" }) { Slot = 4 }],
    };

    private static readonly ThrottleLimits Limits = new() { ReadIops = new ThrottleRate(100, 500, 3), WriteBytesPerSecond = new ThrottleRate(1 << 20) };

    [Fact]
    public void A_configuration_takes_new_limits_keeping_the_rest_of_the_disk()
    {
        var config = Config();
        config.SetBlockDeviceLimits("DISK0", Limits);

        var disk = Assert.Single(config.BlockDevices);
        Assert.Equal(Limits, disk.Disk.Throttle);
        Assert.Equal(4, disk.Slot);
        Assert.Equal("/tmp/a.img", disk.Disk.Path);
        Assert.Same(disk, config.FindBlockDevice("disk0"));
    }

    [Fact]
    public void An_unknown_disk_or_invalid_limits_change_nothing()
    {
        var config = Config();

        var missing = Assert.Throws<VmException>(() => config.SetBlockDeviceLimits("disk9", Limits));
        Assert.Equal("DiskNotFound", missing.ErrorId);
        Assert.Contains("Its disks: disk0", missing.Message);

        var invalid = Assert.Throws<VmException>(() => config.SetBlockDeviceLimits("disk0", new ThrottleLimits { TotalIops = new ThrottleRate(10, 5) }));
        Assert.Equal("InvalidDiskLimits", invalid.ErrorId);
        Assert.True(config.BlockDevices[0].Disk.Throttle.IsUnlimited);
    }

    [Fact]
    public void A_stopped_VM_keeps_the_limits_in_its_configuration_for_the_next_start()
    {
        using var vm = new VirtualMachine(Config(), new MachineHooks());

        vm.SetDiskLimits("disk0", Limits);

        Assert.Equal(Limits, vm.Config.BlockDevices[0].Disk.Throttle);
        Assert.Equal("DiskNotFound", Assert.Throws<VmException>(() => vm.SetDiskLimits("nope", Limits)).ErrorId);
    }

    [Fact]
    public void The_validator_reports_bad_limits_as_InvalidDiskLimits()
    {
        var image = Path.GetTempFileName();
        try
        {
            var disk = new VirtioBlkPciConfig(new BlockDeviceOptions(image)
            {
                Id = "disk0",
                Throttle = new ThrottleLimits { TotalIops = new ThrottleRate(100), ReadIops = new ThrottleRate(10) },
            });
            var e = Assert.Throws<VmException>(() => VmConfigValidator.ValidateNewBlockDevice([], disk));
            Assert.Equal("InvalidDiskLimits", e.ErrorId);
            Assert.Contains("cannot both be set", e.Message);
        }
        finally
        {
            File.Delete(image);
        }
    }
}
