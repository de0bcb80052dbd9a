using System.Management.Automation;
using PSVmm.Engine.Machine;
using PSVmm.Errors;

namespace PSVmm.Commands;

/// <summary>
/// What the cmdlets that read a running VM's devices share: -Name/-Vm, VmNotRunning for a VM that
/// is not running (per VM), and the selection of disks by -Id with wildcards.
/// </summary>
public abstract class VmDeviceCommandBase : VmTargetCommandBase
{
    /// <summary>The VMs given by -Name or -Vm; each one that is not running is written as a VmNotRunning error.</summary>
    protected IEnumerable<VirtualMachine> RunningVms()
    {
        foreach (var vm in TargetVms())
        {
            if (vm.State == VmState.Running)
                yield return vm;
            else
                WriteNotRunning(vm);
        }
    }

    protected void WriteNotRunning(VirtualMachine vm) =>
        WriteError(VmErrors.Create("VmNotRunning", ErrorCategory.InvalidOperation,
            $"{Describe(vm)}: its devices exist only while it runs. Start it with Start-Vm first.", vm));

    /// <summary>
    /// The running disks of <paramref name="vm"/> whose id matches one of <paramref name="ids"/>
    /// (all when none is given). An id without wildcards that matches no disk is a DiskNotFound error.
    /// Null when the VM stopped meanwhile (written as VmNotRunning).
    /// </summary>
    protected IReadOnlyList<VirtioBlkPciState>? SelectDisks(VirtualMachine vm, string[]? ids)
    {
        var disks = vm.GetBlockDevices();
        if (disks.Count == 0 && vm.State != VmState.Running)
        {
            WriteNotRunning(vm);
            return null;
        }
        return IdSelection.Select(disks, d => d.Id, ids, id => WriteError(VmErrors.DiskNotFound(vm.Name, id, disks.Select(d => d.Id))));
    }
}
