using System.Management.Automation;
using PSVmm.Completion;
using PSVmm.Model;

namespace PSVmm.Commands;

/// <summary>Get-VirtioBlkPci: the virtio-blk-pci disks of a configuration or of VMs of this session, as flat objects.</summary>
[Cmdlet(VerbsCommon.Get, "VirtioBlkPci", DefaultParameterSetName = ConfigSet)]
[OutputType(typeof(VirtioBlkPciDisk))]
public sealed class GetVirtioBlkPciCommand : VmConfigTargetCommandBase
{
    /// <summary>
    /// Only the disks with these ids (wildcards allowed). Not positional after a piped configuration,
    /// so that Get-VirtioBlkPci web reads 'web' as -Name.
    /// </summary>
    [Parameter(ParameterSetName = ConfigSet)]
    [Parameter(Position = 1, ParameterSetName = VmSet)]
    [Parameter(Position = 1, ParameterSetName = NameSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DiskIdCompleter))]
    public string[]? Id { get; set; }

    protected override void ProcessRecord()
    {
        var configs = ParameterSetName == ConfigSet ? Config : TargetVms().Select(vm => vm.Config);
        foreach (var config in configs)
        {
            foreach (var disk in SelectDisks(config, Id, out _))
                WriteObject(new VirtioBlkPciDisk(config.Name, disk));
        }
    }
}
