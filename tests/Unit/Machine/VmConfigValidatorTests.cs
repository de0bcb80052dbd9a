using PSVmm.Engine.Machine;
using PSVmm.Engine.Platform;
using Xunit;

namespace PSVmm.Tests.Machine;

public sealed class VmConfigValidatorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("psvmm-validator-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteFile(string name, byte[] content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    private string ElfKernel() => WriteFile("vmlinux", [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

    private static byte[] BzImageBytes()
    {
        var image = new byte[0x1000];
        "HdrS"u8.CopyTo(image.AsSpan(0x202));
        return image;
    }

    private VmConfig ValidConfig() => new() { Name = "vm1", MemoryMB = 64, CpuCount = 1, KernelPath = ElfKernel() };

    private static string FailId(VmConfig config) => Assert.Throws<VmException>(() => VmConfigValidator.Validate(config)).ErrorId;

    [Fact]
    public void AcceptsAValidConfigWithAnElfKernel() => VmConfigValidator.Validate(ValidConfig());

    [Fact]
    public void AcceptsABzImageKernel()
    {
        var config = ValidConfig();
        config.KernelPath = WriteFile("bzImage", BzImageBytes());
        VmConfigValidator.Validate(config);
    }

    [Fact]
    public void AcceptsOptionalFilesThatExist()
    {
        var config = ValidConfig();
        config.InitrdPath = WriteFile("initrd", [1, 2, 3]);
        config.ConsoleLogPath = Path.Combine(_dir, "console.log");
        config.KernelArgs = "console=ttyS0 quiet";
        VmConfigValidator.Validate(config);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("has space")]
    [InlineData("-leadingdash")]
    [InlineData("wild*card")]
    [InlineData("slash/name")]
    public void RejectsBadNames(string name)
    {
        var config = ValidConfig();
        config.Name = name;
        var e = Assert.Throws<VmException>(() => VmConfigValidator.Validate(config));
        Assert.Equal("InvalidVmName", e.ErrorId);
        Assert.Equal(VmErrorCategory.InvalidArgument, e.Category);
    }

    [Fact]
    public void RejectsAnOverlongName()
    {
        var config = ValidConfig();
        config.Name = new string('a', VmConfigValidator.MaxNameLength + 1);
        Assert.Equal("InvalidVmName", FailId(config));
        config.Name = new string('a', VmConfigValidator.MaxNameLength);
        VmConfigValidator.Validate(config);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(VmConfig.MinMemoryMB - 1)]
    [InlineData(VmConfig.MaxMemoryMB + 1)]
    public void RejectsMemoryOutOfRange(int memoryMB)
    {
        var config = ValidConfig();
        config.MemoryMB = memoryMB;
        Assert.Equal("InvalidMemorySize", FailId(config));
    }

    [Fact]
    public void RejectsMoreMemoryThanTheHostHas()
    {
        long? hostMB = HostMemory.TotalMB();
        Assert.NotNull(hostMB);
        if (hostMB >= VmConfig.MaxMemoryMB)
            return; // a host with 1 TiB or more: the range check already covers it
        var config = ValidConfig();
        config.MemoryMB = (int)hostMB + 1;
        var e = Assert.Throws<VmException>(() => VmConfigValidator.Validate(config));
        Assert.Equal("InvalidMemorySize", e.ErrorId);
        Assert.Contains("physical memory", e.Message);
    }

    [Fact]
    public void AcceptsTheMinimumMemory()
    {
        var config = ValidConfig();
        config.MemoryMB = VmConfig.MinMemoryMB;
        VmConfigValidator.Validate(config);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    [InlineData(VmConfig.MaxCpuCount + 1)]
    [InlineData(999)]
    public void RejectsCpuCountOutOfRange(int cpus)
    {
        var config = ValidConfig();
        config.CpuCount = cpus;
        Assert.Equal("InvalidCpuCount", FailId(config));
    }

    [Fact]
    public void AcceptsTheMaximumCpuCount()
    {
        var config = ValidConfig();
        config.CpuCount = VmConfig.MaxCpuCount;
        VmConfigValidator.Validate(config);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void RequiresAKernel(string? path)
    {
        var config = ValidConfig();
        config.KernelPath = path;
        Assert.Equal("KernelImageRequired", FailId(config));
    }

    [Fact]
    public void RejectsAMissingKernel()
    {
        var config = ValidConfig();
        config.KernelPath = Path.Combine(_dir, "nope");
        var e = Assert.Throws<VmException>(() => VmConfigValidator.Validate(config));
        Assert.Equal("KernelImageNotFound", e.ErrorId);
        Assert.Equal(VmErrorCategory.ObjectNotFound, e.Category);
    }

    [Fact]
    public void RejectsADirectoryAsKernel()
    {
        var config = ValidConfig();
        config.KernelPath = _dir;
        var e = Assert.Throws<VmException>(() => VmConfigValidator.Validate(config));
        Assert.Equal("KernelImageNotFound", e.ErrorId);
        Assert.Contains("is a directory", e.Message);
        Assert.Equal(_dir, e.TargetValue);
    }

    [Fact]
    public void RejectsADirectoryAsInitrd()
    {
        var config = ValidConfig();
        config.InitrdPath = _dir;
        var e = Assert.Throws<VmException>(() => VmConfigValidator.Validate(config));
        Assert.Equal("InitrdNotFound", e.ErrorId);
        Assert.Contains("is a directory", e.Message);
    }

    [Fact]
    public void NamesTheOffendingValue()
    {
        var config = ValidConfig();
        config.KernelPath = Path.Combine(_dir, "nope");
        Assert.Equal(config.KernelPath, Assert.Throws<VmException>(() => VmConfigValidator.Validate(config)).TargetValue);
        config = ValidConfig();
        config.MemoryMB = 1;
        Assert.Equal(1, Assert.Throws<VmException>(() => VmConfigValidator.Validate(config)).TargetValue);
    }

    [Fact]
    public void ValidateSettingsLeavesTheDisksOut()
    {
        var config = ValidConfig();
        config.BlockDevices.Add(new VirtioBlkPciConfig(new PSVmm.Engine.Devices.Block.BlockDeviceOptions(Path.Combine(_dir, "gone.img"))));
        VmConfigValidator.ValidateSettings(config);
        Assert.Equal("DiskImageNotFound", FailId(config));
        config.CpuCount = 0;
        Assert.Equal("InvalidCpuCount", Assert.Throws<VmException>(() => VmConfigValidator.ValidateSettings(config)).ErrorId);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(0x205)]
    [InlineData(0x1000)]
    public void RejectsFilesThatAreNotKernels(int length)
    {
        var config = ValidConfig();
        var bytes = new byte[length];
        Array.Fill(bytes, (byte)'x');
        config.KernelPath = WriteFile("notakernel", bytes);
        var e = Assert.Throws<VmException>(() => VmConfigValidator.Validate(config));
        Assert.Equal("InvalidKernelImage", e.ErrorId);
        Assert.Equal(VmErrorCategory.InvalidData, e.Category);
    }

    [Fact]
    public void RejectsHdrSAtTheWrongOffset()
    {
        var bytes = new byte[0x1000];
        "HdrS"u8.CopyTo(bytes.AsSpan(0x200));
        Assert.False(VmConfigValidator.LooksLikeKernel(bytes));
        Assert.True(VmConfigValidator.LooksLikeKernel(BzImageBytes()));
    }

    [Fact]
    public void RejectsAMissingInitrd()
    {
        var config = ValidConfig();
        config.InitrdPath = Path.Combine(_dir, "initrd.missing");
        Assert.Equal("InitrdNotFound", FailId(config));
    }

    [Theory]
    [InlineData("console=ttyS0\0quiet")]
    [InlineData("console=ttyS0\nquiet")]
    [InlineData("console=ttyS0\rquiet")]
    public void RejectsKernelArgsWithControlBreaks(string args)
    {
        var config = ValidConfig();
        config.KernelArgs = args;
        Assert.Equal("InvalidKernelArgs", FailId(config));
    }

    [Fact]
    public void LimitsKernelArgsToTheCommandLineArea()
    {
        var config = ValidConfig();
        int max = (int)MemoryLayout.CommandLineMaxSize - 1;
        config.KernelArgs = new string('a', max);
        VmConfigValidator.Validate(config);
        config.KernelArgs = new string('a', max + 1);
        Assert.Equal("InvalidKernelArgs", FailId(config));
    }

    [Fact]
    public void CountsKernelArgsInUtf8Bytes()
    {
        var config = ValidConfig();
        int max = (int)MemoryLayout.CommandLineMaxSize - 1;
        config.KernelArgs = new string('é', max / 2 + 1); // two bytes each
        Assert.Equal("InvalidKernelArgs", FailId(config));
    }

    [Fact]
    public void RejectsAnUnknownCpuProfile()
    {
        var config = ValidConfig();
        config.CpuProfile = (CpuProfile)42;
        Assert.Equal("InvalidCpuProfile", FailId(config));
    }

    [Fact]
    public void RejectsAConsoleLogInAMissingFolder()
    {
        var config = ValidConfig();
        config.ConsoleLogPath = Path.Combine(_dir, "missing", "console.log");
        var e = Assert.Throws<VmException>(() => VmConfigValidator.Validate(config));
        Assert.Equal("ConsoleLogPathNotFound", e.ErrorId);
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void RejectsAFolderAsConsoleLog()
    {
        var config = ValidConfig();
        config.ConsoleLogPath = _dir;
        Assert.Equal("ConsoleLogPathNotFound", FailId(config));
    }

    [Fact]
    public void ChecksTheNameBeforeTheFiles()
    {
        var config = new VmConfig { Name = "", KernelPath = null };
        Assert.Equal("InvalidVmName", FailId(config));
    }

    [Theory]
    [InlineData("MemTotal:       24684000 kB", 24684000L)]
    [InlineData("MemTotal: 1024 kB", 1024L)]
    public void ParsesMeminfoLines(string line, long expected)
    {
        Assert.True(HostMemory.TryParseKiB(line, "MemTotal:", out long kib));
        Assert.Equal(expected, kib);
        Assert.False(HostMemory.TryParseKiB(line, "MemFree:", out _));
    }

    [Fact]
    public void RejectsNull() => Assert.Throws<ArgumentNullException>(() => VmConfigValidator.Validate(null!));
}
