using System.Management.Automation;
using PSVmm.Model;

namespace PSVmm.Commands;

/// <summary>Get-VmVirtioDevice: each running disk's virtio status and features by name, and whether it needs a reset.</summary>
[Cmdlet(VerbsCommon.Get, "VmVirtioDevice", DefaultParameterSetName = NameSet)]
[OutputType(typeof(VmVirtioDevice))]
public sealed class GetVmVirtioDeviceCommand : VmDeviceCommandBase
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
                WriteObject(new VmVirtioDevice(vm.Name, disk));
        }
    }
}
