using System.Management.Automation;
using PSVmm.Engine.Machine;
using PSVmm.Model;
using PSVmm.Session;

namespace PSVmm.Commands;

/// <summary>
/// Start-Vm: creates a VM from a VmConfig and starts it, or starts a stopped VM of this session again
/// (on a fresh machine from its configuration: a machine runs once; the VM keeps its Id).
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "Vm", DefaultParameterSetName = ConfigSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Vm))]
public sealed class StartVmCommand : VmTargetCommandBase
{
    private const string ConfigSet = "Config";

    [Parameter(Mandatory = true, ParameterSetName = ConfigSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public VmConfig[] Config { get; set; } = [];

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == ConfigSet)
        {
            foreach (var config in Config)
                StartNew(config);
            return;
        }
        foreach (var vm in Targets())
            StartAgain(vm);
    }

    private void StartNew(VmConfig config)
    {
        try
        {
            var valid = VmConfigValidator.Validate(config);
            if (VmRegistry.Find(config.Name) is { } existing && VmRegistry.IsLive(existing.Machine))
                throw VmRegistry.NameInUse(existing.Machine);
            if (!ShouldProcess(config.Name, "Create and start VM"))
                return;
            var machine = VirtualMachine.Create(valid);
            RegisteredVm vm;
            RegisteredVm? previous;
            try
            {
                vm = VmRegistry.Register(machine, out previous);
            }
            catch
            {
                machine.Dispose();
                throw;
            }
            Run(vm, machine, previous?.Machine, () => VmRegistry.Revert(vm, previous));
        }
        catch (VmException e)
        {
            WriteVmError(e, config);
        }
    }

    private void StartAgain(RegisteredVm vm)
    {
        var current = vm.Machine;
        try
        {
            if (VmRegistry.IsLive(current))
            {
                throw new VmException("VmAlreadyRunning", VmErrorCategory.InvalidOperation,
                    $"VM '{vm.Name}' is already {current.State}. Stop it with Stop-Vm before starting it again.");
            }

            if (!ShouldProcess(vm.Name, "Start VM"))
                return;
            var fresh = VirtualMachine.Create(current.Config);
            if (!VmRegistry.ReplaceMachine(vm, current, fresh))
            {
                fresh.Dispose();
                throw new VmException("VmAlreadyRunning", VmErrorCategory.InvalidOperation,
                    $"VM '{vm.Name}' was started or removed meanwhile. Get-Vm shows its state.");
            }
            Run(vm, fresh, current, () => VmRegistry.ReplaceMachine(vm, fresh, current));
        }
        catch (VmException e)
        {
            WriteVmError(e, new Vm(vm));
        }
    }

    /// <summary>
    /// Starts <paramref name="machine"/>, just registered for <paramref name="vm"/>. On failure
    /// <paramref name="revert"/> gives the name back to what had it and nothing stays allocated; on
    /// success the machine it replaced is released.
    /// </summary>
    private void Run(RegisteredVm vm, VirtualMachine machine, VirtualMachine? replaced, Action revert)
    {
        try
        {
            machine.Start();
        }
        catch
        {
            revert();
            machine.Dispose();
            throw;
        }
        replaced?.Dispose();
        WriteVerbose($"Started VM '{vm.Name}' ({vm.Id}).");
        if (PassThru)
            WriteVm(vm);
    }
}
