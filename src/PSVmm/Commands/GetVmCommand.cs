using System.Management.Automation;
using PSVmm.Completion;
using PSVmm.Model;
using PSVmm.Session;

namespace PSVmm.Commands;

/// <summary>Get-Vm: the VMs of this session, all, by name (wildcards allowed) or as VM objects (their current state).</summary>
[Cmdlet(VerbsCommon.Get, "Vm", DefaultParameterSetName = NameSet)]
[OutputType(typeof(Vm))]
public sealed class GetVmCommand : VmCommandBase
{
    [Parameter(ParameterSetName = NameSet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("VMName")]
    [SupportsWildcards]
    [VmNameTransformation]
    [ArgumentCompleter(typeof(VmNameCompleter))]
    public string[]? Name { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = VmSet, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public Vm[] Vm { get; set; } = [];

    protected override void ProcessRecord()
    {
        var vms = ParameterSetName == VmSet ? ResolveVms(null, Vm)
            : Name is null or { Length: 0 } ? VmRegistry.All()
            : ResolveVms(Name, null);
        foreach (var vm in vms)
            WriteVm(vm);
    }
}
