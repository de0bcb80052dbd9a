using System.Management.Automation;
using PSVmm.Model;

namespace PSVmm.Commands;

/// <summary>Get-VmBlockStatistic: each running disk's requests and bytes by type, errors, in-flight and throttled requests.</summary>
[Cmdlet(VerbsCommon.Get, "VmBlockStatistic", DefaultParameterSetName = NameSet)]
[OutputType(typeof(VmBlockStatistic))]
public sealed class GetVmBlockStatisticCommand : VmDeviceCommandBase
{
    /// <summary>Only the disks with these ids (wildcards allowed).</summary>
    [Parameter(Position = 1)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Id { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var vm in RunningVms())
        {
            foreach (var disk in SelectDisks(vm, Id) ?? [])
                WriteObject(new VmBlockStatistic(vm.Name, disk));
        }
    }
}
