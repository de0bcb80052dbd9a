using PSVmm.Engine.Machine;
using Xunit;

namespace PSVmm.Tests.Machine;

public class PvmKernelArgsTests
{
    [Fact]
    public void AppendsEveryArgumentAfterTheUsers()
    {
        var args = PvmKernelArgs.Append("console=ttyS0 root=/dev/vda").Split(' ');
        Assert.Equal("console=ttyS0", args[0]);
        Assert.Equal("root=/dev/vda", args[1]);
        foreach (var a in PvmKernelArgs.Arguments)
            Assert.Contains(a, args);
        Assert.Equal(2, args.Count(a => a.StartsWith("tsc=")));
    }

    [Fact]
    public void UserSettingsWin()
    {
        var args = PvmKernelArgs.Append("mitigations=auto noxsave").Split(' ');
        Assert.Single(args, a => a.StartsWith("mitigations="));
        Assert.Contains("mitigations=auto", args);
        Assert.Single(args, a => a == "noxsave");
    }
}
