using System.Management.Automation;
using PSVmm.Engine.Machine;
using PSVmm.Errors;
using PSVmm.Session;

namespace PSVmm.Commands;

/// <summary>Stop-Vm: asks the guest to shut down and waits for it, or with -TurnOff stops it at once.</summary>
[Cmdlet(VerbsLifecycle.Stop, "Vm", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(VirtualMachine))]
public sealed class StopVmCommand : VmTargetCommandBase
{
    /// <summary>Stop at once, like pulling the power cord (High impact).</summary>
    [Parameter]
    public SwitchParameter TurnOff { get; set; }

    [Parameter]
    [ValidateRange(1, 24 * 3600)]
    public int TimeoutSec { get; set; } = 30;

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var vm in TargetVms())
        {
            try
            {
                if (TurnOff ? TurnOffVm(vm) : ShutDown(vm))
                {
                    if (PassThru)
                        WriteObject(vm);
                }
            }
            catch (VmException e)
            {
                WriteVmError(e, vm);
            }
        }
    }

    private bool TurnOffVm(VirtualMachine vm)
    {
        if (!ShouldProcessHighImpact(vm.Name, "Turn off VM (the guest is not asked to shut down)", Force))
            return false;
        vm.TurnOff();
        WriteVerbose($"Turned off VM '{vm.Name}'.");
        return true;
    }

    private bool ShutDown(VirtualMachine vm)
    {
        if (!VmRegistry.IsLive(vm))
        {
            WriteVerbose($"{Describe(vm)}; nothing to stop.");
            return true;
        }
        if (!ShouldProcess(vm.Name, "Shut down VM"))
            return false;
        vm.RequestShutdown();
        bool exited = WaitWithProgress(TimeSpan.FromSeconds(TimeoutSec), $"Stopping VM '{vm.Name}'",
            "Waiting for the guest to shut down", (slice, token) => vm.WaitForExit(slice, token));
        if (!exited)
        {
            WriteError(VmErrors.Create("VmStopTimeout", ErrorCategory.OperationTimeout,
                $"VM '{vm.Name}' did not shut down within {TimeoutSec} s (it is {vm.State}). Give the guest more time with -TimeoutSec, or stop it at once with -TurnOff.",
                vm));
            return false;
        }
        WriteVerbose($"{Describe(vm)}.");
        return true;
    }
}
