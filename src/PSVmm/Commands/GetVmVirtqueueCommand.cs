using System.Management.Automation;
using PSVmm.Model;

namespace PSVmm.Commands;

/// <summary>Get-VmVirtqueue: the virtqueues of each running disk: registers, ring indices and counters.</summary>
[Cmdlet(VerbsCommon.Get, "VmVirtqueue", DefaultParameterSetName = NameSet)]
[OutputType(typeof(VmVirtqueue))]
public sealed class GetVmVirtqueueCommand : VmDeviceCommandBase
{
    /// <summary>Only the disks with these ids (wildcards allowed).</summary>
    [Parameter(Position = 1)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Id { get; set; }

    /// <summary>Only the queues with these indices.</summary>
    [Parameter]
    [ValidateRange(0, ushort.MaxValue)]
    public int[]? Index { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var vm in RunningVms())
        {
            foreach (var disk in SelectDisks(vm, Id) ?? [])
            {
                for (int index = 0; index < disk.Virtio.Queues.Count; index++)
                {
                    if (Index is { Length: > 0 } && !Index.Contains(index))
                        continue;
                    WriteObject(new VmVirtqueue(vm.Name, disk, index));
                }
            }
        }
    }
}
