using System.Management.Automation;
using PSVmm.Completion;
using PSVmm.Engine.Machine;
using PSVmm.Errors;

namespace PSVmm.Commands;

/// <summary>
/// Remove-VirtioBlkPci: takes disks out of a VmConfig (a copy without them is written; the one
/// given is left as it was) or out of the configuration of a stopped VM (written with -PassThru).
/// The image files stay where they are.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "VirtioBlkPci", DefaultParameterSetName = ConfigSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(VmConfig), ParameterSetName = [ConfigSet])]
[OutputType(typeof(Model.Vm), ParameterSetName = [VmSet, NameSet])]
public sealed class RemoveVirtioBlkPciCommand : VmConfigTargetCommandBase
{
    /// <summary>The ids of the disks to remove (wildcards allowed); Get-VirtioBlkPci's Id binds to it.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ConfigSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = VmSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
    [Alias("DeviceId")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DiskIdCompleter))]
    public string[] Id { get; set; } = [];

    /// <summary>With -Vm or -Name: write the VM. A VmConfig is always written.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() =>
        EditTargets(Remove, PassThru, vm => RefuseUnlessStopped(vm, "remove a disk"));

    private bool Remove(VmConfig config, object target)
    {
        if (DiskIds(Id) is not { } ids)
        {
            WriteError(VmErrors.Create("DiskIdRequired", ErrorCategory.InvalidArgument,
                $"Say which disk of VM '{config.Name}' to remove with -Id. Its disks: {string.Join(", ", config.BlockDevices.Select(d => d?.Id))}.", target));
            return false;
        }

        var disks = SelectDisks(config, ids, out bool missing);
        if (missing)
            return false;
        foreach (var disk in disks)
        {
            if (ShouldProcess(config.Name, $"Remove virtio-blk-pci disk '{disk.Id}' ({disk.Disk.Path})"))
            {
                config.BlockDevices.Remove(disk);
                WriteVerbose($"Removed disk '{disk.Id}' ({disk.Disk.Path}) from '{config.Name}'.");
            }
        }
        return true;
    }
}
