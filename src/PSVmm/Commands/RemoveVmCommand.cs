using System.Management.Automation;
using PSVmm.Engine.Machine;
using PSVmm.Model;
using PSVmm.Session;

namespace PSVmm.Commands;

/// <summary>Remove-Vm: forgets a stopped VM and releases it; with -Force a running VM is turned off first.</summary>
[Cmdlet(VerbsCommon.Remove, "Vm", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(Vm))]
public sealed class RemoveVmCommand : VmTargetCommandBase
{
    /// <summary>Remove without a prompt, turning a running VM off first.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var vm in Targets())
        {
            try
            {
                Remove(vm);
            }
            catch (VmException e)
            {
                WriteVmError(e, new Vm(vm));
            }
        }
    }

    private void Remove(RegisteredVm vm)
    {
        var machine = vm.Machine;
        bool live = VmRegistry.IsLive(machine);
        if (live && !Force)
        {
            throw new VmException("VmIsRunning", VmErrorCategory.InvalidOperation,
                $"VM '{vm.Name}' is {machine.State}. Stop it with Stop-Vm first, or use Remove-Vm -Force to turn it off and remove it.");
        }

        string action = live ? "Turn off and remove VM" : "Remove VM";
        if (!ShouldProcessHighImpact(vm.Name, action, Force))
            return;
        if (live)
            machine.TurnOff();
        VmRegistry.Unregister(vm);
        machine.Dispose();
        WriteVerbose($"Removed VM '{vm.Name}'.");
        if (PassThru)
            WriteVm(vm);
    }
}
