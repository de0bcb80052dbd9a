using System.Management.Automation;
using PSVmm.Completion;
using PSVmm.Engine.Machine;
using PSVmm.Session;

namespace PSVmm.Commands;

/// <summary>Get-Vm: the VMs of this session, all or by name (wildcards allowed).</summary>
[Cmdlet(VerbsCommon.Get, "Vm", DefaultParameterSetName = NameSet)]
[OutputType(typeof(VirtualMachine))]
public sealed class GetVmCommand : VmCommandBase
{
    [Parameter(ParameterSetName = NameSet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("VMName")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(VmNameCompleter))]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        var vms = Name is null or { Length: 0 } ? VmRegistry.All() : ResolveVms(Name, null);
        foreach (var vm in vms)
            WriteObject(vm);
    }
}
