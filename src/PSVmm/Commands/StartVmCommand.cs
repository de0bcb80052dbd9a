using System.Management.Automation;
using PSVmm.Engine.Machine;
using PSVmm.Errors;
using PSVmm.Session;

namespace PSVmm.Commands;

/// <summary>
/// Start-Vm: creates a VM from a VmConfig and starts it, or starts a stopped VM of this session again
/// (re-created from its configuration: a VirtualMachine runs once).
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "Vm", DefaultParameterSetName = ConfigSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(VirtualMachine))]
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
        foreach (var vm in TargetVms())
            StartAgain(vm);
    }

    private void StartNew(VmConfig config)
    {
        try
        {
            var valid = VmConfigValidator.Validate(config);
            if (VmRegistry.Find(config.Name) is { } existing && VmRegistry.IsLive(existing))
                throw VmRegistry.NameInUse(existing);
            if (!ShouldProcess(config.Name, "Create and start VM"))
                return;
            var vm = VirtualMachine.Create(valid);
            VirtualMachine? previous;
            try
            {
                previous = VmRegistry.Register(vm);
            }
            catch
            {
                vm.Dispose();
                throw;
            }
            Run(vm, previous);
        }
        catch (VmException e)
        {
            WriteVmError(e, config);
        }
    }

    private void StartAgain(VirtualMachine vm)
    {
        try
        {
            if (VmRegistry.IsLive(vm))
            {
                throw new VmException("VmAlreadyRunning", VmErrorCategory.InvalidOperation,
                    $"VM '{vm.Name}' is already {vm.State}. Stop it with Stop-Vm before starting it again.");
            }

            if (!ShouldProcess(vm.Name, "Start VM"))
                return;
            var fresh = VirtualMachine.Create(vm.Config);
            if (!VmRegistry.Replace(vm, fresh))
            {
                fresh.Dispose();
                WriteError(VmErrors.NotFound(vm.Name));
                return;
            }
            Run(fresh, vm);
        }
        catch (VmException e)
        {
            WriteVmError(e, vm);
        }
    }

    /// <summary>Starts a just-registered VM. On failure the name goes back to <paramref name="previous"/> (or to no one) and nothing stays allocated.</summary>
    private void Run(VirtualMachine vm, VirtualMachine? previous)
    {
        try
        {
            vm.Start();
        }
        catch
        {
            if (previous is null || !VmRegistry.Replace(vm, previous))
                VmRegistry.Unregister(vm);
            vm.Dispose();
            throw;
        }
        previous?.Dispose();
        WriteVerbose($"Started VM '{vm.Name}' ({vm.Id}).");
        if (PassThru)
            WriteObject(vm);
    }
}
