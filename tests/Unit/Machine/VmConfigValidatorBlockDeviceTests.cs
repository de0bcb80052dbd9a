using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Machine;
using Xunit;

namespace PSVmm.Tests.Machine;

/// <summary>VmConfigValidator's checks of VmConfig.BlockDevices.</summary>
public sealed class VmConfigValidatorBlockDeviceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("psvmm-validator-blk-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Image(string name = "disk.img", int bytes = 1 << 20)
    {
        var path = Path.Combine(_dir, name);
        if (!File.Exists(path))
            File.WriteAllBytes(path, new byte[bytes]);
        return path;
    }

    private VmConfig Config(params VirtioBlkPciConfig[] disks)
    {
        var kernel = Path.Combine(_dir, "vmlinux");
        File.WriteAllBytes(kernel, [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0]);
        return new VmConfig { Name = "vm1", MemoryMB = 64, KernelPath = kernel, BlockDevices = [.. disks] };
    }

    /// <summary>A read-write disk on an image of its own (one image read-write twice is an error of its own).</summary>
    private VirtioBlkPciConfig Disk(string id, int? slot = null, int function = 0, string? path = null, bool readOnly = false) =>
        new(new BlockDeviceOptions(path ?? Image(id + ".img")) { Id = id, ReadOnly = readOnly }) { Slot = slot, Function = function };

    private static VmException Fails(VmConfig config) => Assert.Throws<VmException>(() => VmConfigValidator.Validate(config));

    [Fact]
    public void AcceptsDisksWithAndWithoutAddresses() =>
        VmConfigValidator.Validate(Config(Disk("disk0"), Disk("disk1", slot: 5), Disk("disk2", slot: 5, function: 1), Disk("disk3", slot: 31)));

    [Fact]
    public void RejectsADuplicateIdIgnoringCase()
    {
        var e = Fails(Config(Disk("disk0"), Disk("DISK0")));
        Assert.Equal("DriveIdInUse", e.ErrorId);
        Assert.Equal(VmErrorCategory.ResourceExists, e.Category);
        Assert.Contains("DISK0", e.Message);
    }

    [Fact]
    public void RejectsAMissingImageOrAFolder()
    {
        var e = Fails(Config(Disk("d", path: Path.Combine(_dir, "missing.img"))));
        Assert.Equal("DiskImageNotFound", e.ErrorId);
        Assert.Equal(VmErrorCategory.ObjectNotFound, e.Category);
        Assert.Contains("missing.img", e.Message);
        var folder = Fails(Config(Disk("d", path: _dir)));
        Assert.Equal("DiskImageNotFound", folder.ErrorId);
        Assert.Contains("is a directory", folder.Message);
        Assert.Equal(_dir, folder.TargetValue);
    }

    [Theory]
    [InlineData(0, "is empty")]
    [InlineData(1000, "not a multiple of 512")]
    [InlineData(513, "not a multiple of 512")]
    public void RejectsAnImageThatIsNotWholeSectors(int bytes, string message)
    {
        var path = Image($"odd{bytes}.img", bytes);
        var e = Fails(Config(Disk("d", path: path)));
        Assert.Equal("InvalidDiskImageSize", e.ErrorId);
        Assert.Contains(message, e.Message);
        Assert.Equal(path, e.TargetValue);
    }

    [Fact]
    public void AcceptsAnImageOfWholeSectors() => VmConfigValidator.Validate(Config(Disk("d", path: Image("small.img", 512))));

    [Fact]
    public void RejectsOneImageReadWriteTwiceEvenThroughALink()
    {
        var image = Image("shared.img");
        var link = Path.Combine(_dir, "link.img");
        File.CreateSymbolicLink(link, image);
        var e = Fails(Config(Disk("a", path: image), Disk("b", path: link, readOnly: true)));
        Assert.Equal("DiskImageInUse", e.ErrorId);
        Assert.Contains("'a'", e.Message);
        Assert.Equal(link, e.TargetValue);
        Assert.Equal("DiskImageInUse", Assert.Throws<VmException>(
            () => VmConfigValidator.ValidateNewBlockDevice([Disk("a", path: image, readOnly: true)], Disk("b", path: image))).ErrorId);
    }

    [Fact]
    public void SharesAnImageBetweenReadOnlyDisks() =>
        VmConfigValidator.Validate(Config(Disk("a", path: Image("ro.img"), readOnly: true), Disk("b", path: Image("ro.img"), readOnly: true)));

    [Fact]
    public void ReportsEveryOptionProblemInOneMessage()
    {
        var disk = new VirtioBlkPciConfig(new BlockDeviceOptions(Image()) { Id = "d", Serial = new string('x', 21), QueueSize = 100 });
        var e = Fails(Config(disk));
        Assert.Equal("InvalidDiskOptions", e.ErrorId);
        Assert.Equal(VmErrorCategory.InvalidArgument, e.Category);
        Assert.Contains("serial", e.Message);
        Assert.Contains("QueueSize 100", e.Message);
    }

    [Fact]
    public void ChecksOptionsBeforeTheImage()
    {
        var disk = new VirtioBlkPciConfig(new BlockDeviceOptions(Path.Combine(_dir, "nope.img")) { Id = "d", NumQueues = 0 });
        Assert.Equal("InvalidDiskOptions", Fails(Config(disk)).ErrorId);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(32, 0)]
    [InlineData(-1, 0)]
    [InlineData(3, 8)]
    [InlineData(3, -1)]
    public void RejectsAddressesOutOfRange(int slot, int function)
    {
        var disks = function > 0 ? new[] { Disk("f0", slot: slot), Disk("d", slot, function) } : [Disk("d", slot, function)];
        var e = Fails(Config(disks));
        Assert.Equal("InvalidPciAddress", e.ErrorId);
    }

    [Fact]
    public void RejectsTwoDisksAtOneAddress()
    {
        var e = Fails(Config(Disk("a", slot: 4, function: 0), Disk("b", slot: 4, function: 0)));
        Assert.Equal("PciAddressInUse", e.ErrorId);
        Assert.Contains("00:04.0", e.Message);
        Assert.Contains("'a'", e.Message);
    }

    [Fact]
    public void SeesACollisionWithASlotChosenAutomatically()
    {
        // The first disk takes the first free slot (1) at start; a later disk asked for 00:01.0 collides.
        var e = Fails(Config(Disk("auto"), Disk("fixed", slot: 1)));
        Assert.Equal("PciAddressInUse", e.ErrorId);
        // In the other order the automatic disk moves on to slot 2.
        VmConfigValidator.Validate(Config(Disk("fixed", slot: 1), Disk("auto")));
    }

    [Fact]
    public void AnAutomaticDiskSkipsSlotsWithAnyFunctionUsed() =>
        VmConfigValidator.Validate(Config(Disk("f0", slot: 1), Disk("f1", slot: 1, function: 1), Disk("auto"), Disk("fixed2", slot: 3)));

    [Fact]
    public void RejectsAFunctionAboveZeroWithoutFunctionZero()
    {
        var e = Fails(Config(Disk("d", slot: 6, function: 2)));
        Assert.Equal("InvalidPciAddress", e.ErrorId);
        Assert.Contains("function 0", e.Message);
    }

    [Fact]
    public void RunsOutOfSlotsAfterThirtyOneDisks()
    {
        var disks = Enumerable.Range(0, 31).Select(i => Disk($"d{i}")).ToList();
        VmConfigValidator.Validate(Config([.. disks]));
        disks.Add(Disk("one-too-many"));
        Assert.Equal("PciAddressInUse", Fails(Config([.. disks])).ErrorId);
    }

    [Fact]
    public void RejectsANullEntry()
    {
        var config = Config();
        config.BlockDevices.Add(null!);
        Assert.Equal("InvalidDiskOptions", Fails(config).ErrorId);
    }

    [Fact]
    public void ANewDiskIsCheckedAgainstTheExistingOnes()
    {
        var existing = new[] { Disk("disk0"), Disk("disk1", slot: 7) };
        VmConfigValidator.ValidateNewBlockDevice(existing, Disk("disk2", slot: 7, function: 1));
        Assert.Equal("DriveIdInUse", Assert.Throws<VmException>(() => VmConfigValidator.ValidateNewBlockDevice(existing, Disk("disk1"))).ErrorId);
        Assert.Equal("PciAddressInUse", Assert.Throws<VmException>(() => VmConfigValidator.ValidateNewBlockDevice(existing, Disk("x", slot: 1))).ErrorId);
        Assert.Equal("InvalidPciAddress", Assert.Throws<VmException>(() => VmConfigValidator.ValidateNewBlockDevice(existing, Disk("x", slot: 9, function: 3))).ErrorId);
    }
}
