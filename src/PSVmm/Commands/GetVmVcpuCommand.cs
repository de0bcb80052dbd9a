using System.Management.Automation;
using PSVmm.Completion;
using PSVmm.Engine.Machine;
using PSVmm.Model;

namespace PSVmm.Commands;

/// <summary>Get-VmVcpu: every vCPU's exit counters and emulation fix-ups (the last run's once a VM stopped).</summary>
[Cmdlet(VerbsCommon.Get, "VmVcpu", DefaultParameterSetName = NameSet)]
[OutputType(typeof(VmVcpu))]
public sealed class GetVmVcpuCommand : VmCommandBase
{
    [Parameter(Mandatory = true, ParameterSetName = VmSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public VirtualMachine[] Vm { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = NameSet, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("VMName")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(VmNameCompleter))]
    public string[] Name { get; set; } = [];

    protected override void ProcessRecord()
    {
        foreach (var vm in ResolveVms(ParameterSetName == NameSet ? Name : null, ParameterSetName == VmSet ? Vm : null))
            foreach (var vcpu in vm.GetVcpus())
                WriteObject(new VmVcpu(vm.Name, vcpu));
    }
}
