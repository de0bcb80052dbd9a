using System.Management.Automation;
using PSVmm.Model;

namespace PSVmm.Commands;

/// <summary>Get-VmVcpu: every vCPU's exit counters and emulation fix-ups (the last run's once a VM stopped).</summary>
[Cmdlet(VerbsCommon.Get, "VmVcpu", DefaultParameterSetName = NameSet)]
[OutputType(typeof(VmVcpu))]
public sealed class GetVmVcpuCommand : VmTargetCommandBase
{
    protected override void ProcessRecord()
    {
        foreach (var vm in TargetVms())
        {
            foreach (var vcpu in vm.GetVcpus())
                WriteObject(new VmVcpu(vm.Name, vcpu));
        }
    }
}
