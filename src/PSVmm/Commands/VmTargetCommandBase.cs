using System.Management.Automation;
using PSVmm.Completion;
using PSVmm.Engine.Machine;

namespace PSVmm.Commands;

/// <summary>
/// The cmdlets that act on VMs of this session named by -Name (wildcards, completion) or given as
/// objects by -Vm (from the pipeline): the two parameter sets, declared once.
/// </summary>
public abstract class VmTargetCommandBase : VmCommandBase
{
    [Parameter(Mandatory = true, ParameterSetName = VmSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public VirtualMachine[] Vm { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = NameSet, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("VMName")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(VmNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>The registered VMs that -Name or -Vm stand for (see <see cref="VmCommandBase.ResolveVms"/>).</summary>
    protected IReadOnlyList<VirtualMachine> TargetVms() =>
        ResolveVms(ParameterSetName == NameSet ? Name : null, ParameterSetName == VmSet ? Vm : null);
}
