using PSVmm.Engine.Machine;
using Xunit;

namespace PSVmm.Tests.Machine;

public sealed class VirtualMachineErrorTests
{
    [Fact]
    public void MissingKvmDeviceGivesKvmNotAvailable()
    {
        var hooks = new MachineHooks { KvmDevicePath = "/nonexistent/psvmm-kvm" };
        using var vm = new VirtualMachine(new VmConfig { KernelPath = "/nonexistent/kernel" }, hooks);
        var states = new List<VmState>();
        vm.StateChanged += (_, s) => states.Add(s);
        var ex = Assert.Throws<VmException>(vm.Start);
        Assert.Equal("KvmNotAvailable", ex.ErrorId);
        Assert.Equal(VmErrorCategory.ResourceUnavailable, ex.Category);
        Assert.Equal(VmState.Failed, vm.State);
        Assert.Equal([VmState.Starting, VmState.Failed], states);
        Assert.True(vm.WaitForExit(TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public void ADeviceThatIsNotKvmFailsTheStart()
    {
        using var vm = new VirtualMachine(new VmConfig(), new MachineHooks { KvmDevicePath = "/dev/null" });
        var ex = Assert.Throws<VmException>(vm.Start);
        Assert.Equal("KvmSetupFailed", ex.ErrorId);
    }

    [Fact]
    public void NeverStartedVmHasNothingToWaitForOrStop()
    {
        using var vm = new VirtualMachine(new VmConfig(), new MachineHooks());
        Assert.Equal(VmState.Off, vm.State);
        Assert.False(vm.WaitForExit(TimeSpan.FromSeconds(5), CancellationToken.None));
        vm.TurnOff();
        Assert.Equal(VmState.Off, vm.State);
        Assert.Empty(vm.GetVcpus());
        Assert.Equal("VmNotRunning", Assert.Throws<VmException>(() => vm.SendConsoleInput("x"u8)).ErrorId);
    }
}
