using FsCheck;
using FsCheck.Fluent;
using PSVmm.Engine.Machine;
using PSVmm.Engine.Qemu;
using Xunit;

namespace PSVmm.Tests.Qemu;

/// <summary>
/// config → QEMU arguments → config is the identity on everything both understand (name, memory,
/// CPUs, kernel, initrd, arguments, and every disk option with its PCI placement), as an array
/// and through one shell-quoted line.
/// </summary>
public sealed class QemuRoundTripProperties
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(300);

    [Fact]
    public void ArgumentsReadBackAsTheSameConfig() =>
        Check.One(Runs, Prop.ForAll(QemuConfigGenerators.Config.ToArbitrary(), config =>
            AssertSame(config, QemuCommandLineReader.Read(QemuCommandLineWriter.Write(config)).Config)));

    [Fact]
    public void OneQuotedLineReadsBackAsTheSameConfig() =>
        Check.One(Runs, Prop.ForAll(QemuConfigGenerators.Config.ToArbitrary(), config =>
        {
            string line = ShellWords.Join(["qemu-system-x86_64", .. QemuCommandLineWriter.Write(config)]);
            AssertSame(config, QemuCommandLineReader.Read(ShellWords.Split(line)).Config);
        }));

    [Fact]
    public void ShellQuotingSplitsBackIntoTheSameWords() =>
        Check.One(Runs, Prop.ForAll(QemuConfigGenerators.AnyWord.ArrayOf().ToArbitrary(), words =>
            Assert.Equal(words, ShellWords.Split(ShellWords.Join(words)))));

    [Fact]
    public void OnlyPSVmmSettingsAreLeftOutOfTheRoundTrip()
    {
        var config = new VmConfig { Name = "pvm", CpuProfile = PSVmm.Engine.Platform.CpuProfile.Pvm, PvmKernelArgs = false, ConsoleLogPath = "/tmp/console.log" };
        var back = QemuCommandLineReader.Read(QemuCommandLineWriter.Write(config));
        Assert.Equal(new VmConfig().CpuProfile, back.Config.CpuProfile);
        Assert.True(back.Config.PvmKernelArgs);
        Assert.Null(back.Config.ConsoleLogPath);
        Assert.Equal(["-enable-kvm", "-nodefaults", "-no-reboot", "-display none", "-serial stdio"], back.Ignored.Where(i => !i.StartsWith("-cpu", StringComparison.Ordinal)));
    }

    private static void AssertSame(VmConfig expected, VmConfig actual)
    {
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.MemoryMB, actual.MemoryMB);
        Assert.Equal(expected.CpuCount, actual.CpuCount);
        Assert.Equal(expected.KernelPath, actual.KernelPath);
        Assert.Equal(expected.InitrdPath, actual.InitrdPath);
        Assert.Equal(expected.KernelArgs, actual.KernelArgs);
        Assert.Equal(expected.BlockDevices, actual.BlockDevices);
    }
}
