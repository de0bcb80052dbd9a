using System.Text.RegularExpressions;
using PSVmm.Engine.Machine;
using Xunit;

namespace PSVmm.Tests.Machine;

/// <summary>
/// Boots the probe guest (tests/guest, built by build.sh into out/guest/probe.elf) on the standard
/// machine: multiboot entry, COM1, the TestDevice's ports, MMIO page and MSIs, int3 at CPL3.
/// Runs where the image and the real device classes exist.
/// </summary>
[Collection("Kvm")]
public sealed class ProbeGuestKvmTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [KvmTheory]
    [InlineData(1, "msi=200")]
    [InlineData(2, "pio=100 mmio=100 msi=100 int3=100")]
    public void ProbePassesEveryTest(int cpus, string args)
    {
        if (ProbeImage() is not { } image || !VirtualMachineKvmTests.LegacyDevicesImplemented())
            return;
        using var vm = new VirtualMachine(new VmConfig { Name = "probe", MemoryMB = 64, CpuCount = cpus, KernelPath = image, KernelArgs = args }, new MachineHooks());
        vm.Start();
        Assert.True(vm.WaitForExit(Timeout, CancellationToken.None), vm.Console.Text);
        var text = vm.Console.Text;
        Assert.True(vm.State == VmState.Stopped, $"{vm.FailureReason}\n{text}");
        Assert.Equal(0, vm.ExitCode);
        Assert.Contains("probe: boot ok cpl=3\n", text);
        Assert.Contains($"probe: cmdline={args}\n", text);
        Assert.Contains("probe: memory lower_kib=640 upper_kib=64512\n", text);
        Assert.Contains("probe: msi ok count=", text);
        Assert.Contains("probe: done passed=5 failed=0\n", text);
        Assert.True(vm.GetVcpus()[0].MmioExits > 0);
    }

    [KvmFact]
    public void ProbeIdlesUntilAskedToShutDown()
    {
        if (ProbeImage() is not { } image || !VirtualMachineKvmTests.LegacyDevicesImplemented())
            return;
        using var vm = new VirtualMachine(new VmConfig { Name = "probe", MemoryMB = 64, KernelPath = image, KernelArgs = "idle pio=10 mmio=10 msi=10 int3=10" }, new MachineHooks());
        vm.Start();
        Assert.NotNull(vm.Console.WaitFor(new Regex("probe: idle\n"), Timeout, CancellationToken.None));
        Assert.Equal(VmState.Running, vm.State);
        vm.RequestShutdown();
        Assert.True(vm.WaitForExit(Timeout, CancellationToken.None));
        Assert.Equal(0, vm.ExitCode);
        Assert.Contains("probe: shutdown requested\n", vm.Console.Text);
    }

    /// <summary>out/guest/probe.elf of the checkout these tests were built from, or null.</summary>
    private static string? ProbeImage()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PSVmm.sln")))
            {
                var path = Path.Combine(dir.FullName, "out", "guest", "probe.elf");
                return File.Exists(path) ? path : null;
            }
        }
        return null;
    }
}
