using System.Management.Automation;
using PSVmm.Engine.Machine;
using PSVmm.Errors;
using PSVmm.Session;

namespace PSVmm.Commands;

/// <summary>
/// The cmdlets that change a configuration: a VmConfig by -Config (from the pipeline), or the
/// configuration of a VM of this session by -Name/-Vm. A VmConfig is never written on: the change
/// goes to a copy, which is written (so each step of a pipeline builds a new configuration). A
/// VM's configuration is changed in place, and the VM written with -PassThru.
/// </summary>
public abstract class VmConfigTargetCommandBase : VmTargetCommandBase
{
    protected const string ConfigSet = "Config";

    [Parameter(Mandatory = true, ParameterSetName = ConfigSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public VmConfig[] Config { get; set; } = [];

    /// <summary>
    /// Runs <paramref name="edit"/> on a copy of each -Config (writing the copy) or on the
    /// configuration of each VM <paramref name="refuse"/> lets through (writing the VM with
    /// <paramref name="passThru"/>). The edit gets the configuration and the object its errors are
    /// about, and returns false after it wrote an error (then nothing is written).
    /// </summary>
    protected void EditTargets(Func<VmConfig, object, bool> edit, bool passThru, Func<VirtualMachine, ErrorRecord?> refuse)
    {
        if (ParameterSetName == ConfigSet)
        {
            foreach (var config in Config)
            {
                var copy = config.Clone();
                if (edit(copy, config))
                    WriteObject(copy);
            }
            return;
        }

        foreach (var vm in TargetVms())
        {
            if (refuse(vm) is { } error)
            {
                WriteError(error);
                continue;
            }
            if (edit(vm.Config, vm) && passThru)
                WriteVm(vm);
        }
    }

    private HashSet<string> _namedOnCommandLine = [];

    protected override void BeginProcessing() =>
        _namedOnCommandLine = new HashSet<string>(MyInvocation.BoundParameters.Keys, StringComparer.OrdinalIgnoreCase);

    /// <summary>True when <paramref name="parameter"/> was given on the command line, not bound from pipeline input.</summary>
    protected bool NamedOnCommandLine(string parameter) => _namedOnCommandLine.Contains(parameter);

    /// <summary>
    /// The disks of <paramref name="config"/> whose id matches one of <paramref name="ids"/> (wildcards
    /// allowed; all when none is given); an id without wildcards that matches nothing is written as
    /// DiskNotFound and makes <paramref name="missing"/> true.
    /// </summary>
    protected List<VirtioBlkPciConfig> SelectDisks(VmConfig config, string[]? ids, out bool missing)
    {
        var disks = config.BlockDevices.Where(d => d?.Disk is not null).ToList();
        bool notFound = false;
        var selected = IdSelection.Select(disks, d => d.Id, ids, id =>
        {
            notFound = true;
            WriteError(VmErrors.DiskNotFound(config.Name, id, disks.Select(d => d.Id)));
        });
        missing = notFound;
        return selected;
    }

    /// <summary>
    /// The disk ids the user meant. A VM object piped in has an Id of its own (a Guid) that binds to a
    /// disk -Id by property name; that is not a disk id, so it counts as no -Id.
    /// </summary>
    protected string[]? DiskIds(string[]? ids)
    {
        if (ids is not [var id] || NamedOnCommandLine("Id") || ParameterSetName != VmSet)
            return ids;
        return Vm.Any(vm => vm is not null && string.Equals(vm.Id.ToString(), id, StringComparison.OrdinalIgnoreCase)) ? null : ids;
    }

    /// <summary>VmIsRunning for a VM that is not stopped: <paramref name="change"/> ("change its memory") needs a stopped VM.</summary>
    protected static ErrorRecord? RefuseUnlessStopped(VirtualMachine vm, string change) =>
        VmRegistry.IsLive(vm)
            ? VmErrors.Create("VmIsRunning", ErrorCategory.InvalidOperation,
                $"VM '{vm.Name}' is {vm.State}: PSVmm can {change} only while the VM is stopped. Stop it with Stop-Vm, then try again.", vm)
            : null;
}
