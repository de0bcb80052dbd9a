using System.Management.Automation;
using PSVmm.Completion;
using PSVmm.Engine.Machine;
using PSVmm.Model;
using PSVmm.Session;

namespace PSVmm.Commands;

/// <summary>
/// The cmdlets that act on VMs of this session named by -Name (wildcards, completion) or given as
/// objects by -Vm (from the pipeline): the two parameter sets, declared once. Both take the first
/// position: PowerShell binds a VM object to -Vm and a string to -Name, and a VM object given to
/// -Name stands for its name.
/// </summary>
public abstract class VmTargetCommandBase : VmCommandBase
{
    [Parameter(Mandatory = true, ParameterSetName = VmSet, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public Vm[] Vm { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = NameSet, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("VMName")]
    [SupportsWildcards]
    [VmNameTransformation]
    [ArgumentCompleter(typeof(VmNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>The registered VMs that -Name or -Vm stand for (see <see cref="VmCommandBase.ResolveVms"/>).</summary>
    private protected IReadOnlyList<RegisteredVm> Targets() =>
        ResolveVms(ParameterSetName == NameSet ? Name : null, ParameterSetName == VmSet ? Vm : null);

    /// <summary>The machines that run the VMs -Name or -Vm stand for, now.</summary>
    protected IReadOnlyList<VirtualMachine> TargetVms() => [.. Targets().Select(vm => vm.Machine)];
}
