using System.Management.Automation;
using PSVmm.Model;

namespace PSVmm.Commands;

/// <summary>Get-VmMsixTable: the MSI-X table of each running disk, one object per entry.</summary>
[Cmdlet(VerbsCommon.Get, "VmMsixTable", DefaultParameterSetName = NameSet)]
[OutputType(typeof(VmMsixEntry))]
public sealed class GetVmMsixTableCommand : VmDeviceCommandBase
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
            {
                foreach (var entry in disk.Msix.Entries)
                    WriteObject(new VmMsixEntry(vm.Name, disk, entry));
            }
        }
    }
}
