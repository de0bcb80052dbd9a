using System.Management.Automation;
using PSVmm.Engine.Machine;
using PSVmm.Errors;
using PSVmm.Model;
using PSVmm.Session;

namespace PSVmm.Commands;

/// <summary>
/// Stop-Vm: asks the guests to shut down and waits for them, or with -TurnOff stops them at once.
/// Several VMs stop together: every power button is pressed (or every plug pulled) first, then one
/// wait with one -TimeoutSec covers them all.
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "Vm", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Vm))]
public sealed class StopVmCommand : VmTargetCommandBase
{
    private readonly List<(RegisteredVm Vm, VirtualMachine Machine)> _shuttingDown = [];
    private readonly List<(RegisteredVm Vm, VirtualMachine Machine)> _turningOff = [];

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
        foreach (var vm in Targets())
        {
            if (_shuttingDown.Any(p => p.Vm == vm) || _turningOff.Any(p => p.Vm == vm))
                continue;
            try
            {
                if (TurnOff)
                    ConfirmTurnOff(vm);
                else
                    PressPowerButton(vm);
            }
            catch (VmException e)
            {
                WriteVmError(e, new Vm(vm));
            }
        }
    }

    protected override void EndProcessing()
    {
        TurnOffAll();
        WaitForShutdowns();
    }

    private void ConfirmTurnOff(RegisteredVm vm)
    {
        if (ShouldProcessHighImpact(vm.Name, "Turn off VM (the guest is not asked to shut down)", Force))
            _turningOff.Add((vm, vm.Machine));
    }

    private void PressPowerButton(RegisteredVm vm)
    {
        var machine = vm.Machine;
        if (!VmRegistry.IsLive(machine))
        {
            WriteVerbose($"{Describe(machine)}; nothing to stop.");
            if (PassThru)
                WriteVm(vm);
            return;
        }
        if (!ShouldProcess(vm.Name, "Shut down VM"))
            return;
        machine.RequestShutdown();
        _shuttingDown.Add((vm, machine));
    }

    /// <summary>Pulls every plug at once: each machine stops its vCPUs on its own thread, and this waits for all.</summary>
    private void TurnOffAll()
    {
        if (_turningOff.Count == 0)
            return;
        var tasks = _turningOff.Select(p => Task.Run(p.Machine.TurnOff)).ToArray();
        try
        {
            Task.WaitAll(tasks, PipelineStopToken);
        }
        catch (OperationCanceledException)
        {
            throw new PipelineStoppedException();
        }
        catch (AggregateException)
        {
            // Each task's failure is written below, for its own VM.
        }

        for (int i = 0; i < tasks.Length; i++)
        {
            var (vm, machine) = _turningOff[i];
            if (tasks[i].Exception?.InnerException is { } e)
            {
                WriteError(e is VmException ve ? VmErrors.From(ve, new Vm(vm))
                    : VmErrors.Create("VmTurnOffFailed", ErrorCategory.NotSpecified, $"VM '{vm.Name}' could not be turned off: {e.Message}", new Vm(vm), e));
                continue;
            }
            WriteVerbose($"Turned off VM '{vm.Name}'.");
            if (PassThru)
                WriteVm(vm);
        }
    }

    private void WaitForShutdowns()
    {
        if (_shuttingDown.Count == 0)
            return;
        string activity = _shuttingDown.Count == 1 ? $"Stopping VM '{_shuttingDown[0].Vm.Name}'" : $"Stopping {_shuttingDown.Count} VMs";
        var late = WaitForAll(_shuttingDown, TimeSpan.FromSeconds(TimeoutSec), activity, "Waiting for the guests to shut down",
            p => p.Vm.Name,
            (p, slice, token) => p.Machine.WaitForExit(slice, token),
            p =>
            {
                WriteVerbose($"{Describe(p.Machine)}.");
                if (PassThru)
                    WriteVm(p.Vm);
            });
        foreach (var (vm, machine) in late)
        {
            WriteError(VmErrors.Create("VmStopTimeout", ErrorCategory.OperationTimeout,
                $"VM '{vm.Name}' did not shut down within {TimeoutSec} s (it is {machine.State}). Give the guest more time with -TimeoutSec, or stop it at once with -TurnOff.",
                new Vm(vm)));
        }
    }
}
