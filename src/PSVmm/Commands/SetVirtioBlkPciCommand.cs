using System.Management.Automation;
using PSVmm.Engine.Devices.Block.Throttle;
using PSVmm.Engine.Machine;
using PSVmm.Errors;
using PSVmm.Model;

namespace PSVmm.Commands;

/// <summary>
/// Set-VirtioBlkPci: changes the I/O limits of a disk of a VmConfig, of a stopped VM, or of a
/// running VM (on the live disk, without dropping or reordering waiting requests; the VM's
/// configuration keeps them for its next start). Limits not named keep their values.
/// </summary>
[Cmdlet(VerbsCommon.Set, "VirtioBlkPci", DefaultParameterSetName = ConfigSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(VmConfig), ParameterSetName = [ConfigSet])]
[OutputType(typeof(Model.Vm), ParameterSetName = [VmSet, NameSet])]
public sealed class SetVirtioBlkPciCommand : VirtioBlkLimitsCommandBase
{
    private const string ConfigSet = "Config";

    [Parameter(Mandatory = true, ParameterSetName = ConfigSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public VmConfig[] Config { get; set; } = [];

    /// <summary>The disk's id in the VM (disk0, ...); Get-VmBlockStatistic's DeviceId binds to it.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("DeviceId")]
    [ValidateNotNullOrEmpty]
    public string Id { get; set; } = "";

    /// <summary>Write the VmConfig or VM that was changed.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == ConfigSet)
        {
            foreach (var config in Config)
                Set(config.Name, config, config, limits => config.SetBlockDeviceLimits(Id, limits));
            return;
        }

        foreach (var vm in TargetVms())
            Set(vm.Name, vm.Config, vm, limits => vm.SetDiskLimits(Id, limits));
    }

    private void Set(string vmName, VmConfig config, object target, Action<ThrottleLimits> apply)
    {
        if (config.FindBlockDevice(Id) is not { } disk)
        {
            WriteError(VmErrors.Create("DiskNotFound", ErrorCategory.ObjectNotFound,
                $"VM '{vmName}' has no disk with id '{Id}'. Its disks: {(config.BlockDevices.Count == 0 ? "none" : string.Join(", ", config.BlockDevices.Select(d => d?.Id)))}.", Id));
            return;
        }

        var limits = ApplyLimits(disk.Disk.Throttle);
        if (limits.Validate(disk.Id) is { Count: > 0 } problems)
        {
            WriteError(VmErrors.Create("InvalidDiskLimits", ErrorCategory.InvalidArgument, string.Join(" ", problems), target));
            return;
        }

        try
        {
            if (!ShouldProcess(vmName, $"Set the I/O limits of disk '{Id}' to {ThrottleLimitsText.Format(limits)}"))
                return;

            apply(limits);
            WriteVerbose($"Disk '{Id}' of '{vmName}': I/O limits {ThrottleLimitsText.Format(limits)}.");
        }
        catch (VmException e)
        {
            WriteVmError(e, target);
            return;
        }

        if (PassThru)
        {
            if (target is VirtualMachine vm)
                WriteVm(vm);
            else
                WriteObject(target);
        }
    }
}
