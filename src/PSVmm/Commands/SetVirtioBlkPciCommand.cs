using System.Management.Automation;
using PSVmm.Completion;
using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Machine;
using PSVmm.Errors;
using PSVmm.Model;

namespace PSVmm.Commands;

/// <summary>
/// Set-VirtioBlkPci: changes disks of a VmConfig (a copy is written; the one given is left as it
/// was), of a stopped VM, or, for the I/O limits only, of a running VM (on the live disk, without
/// dropping or reordering waiting requests; the VM's configuration keeps them for its next start).
/// What is not named keeps its value. Without -Id, a configuration or VM with one disk means that disk.
/// </summary>
[Cmdlet(VerbsCommon.Set, "VirtioBlkPci", DefaultParameterSetName = ConfigSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(VmConfig), ParameterSetName = [ConfigSet])]
[OutputType(typeof(Model.Vm), ParameterSetName = [VmSet, NameSet])]
public sealed class SetVirtioBlkPciCommand : VirtioBlkOptionsCommandBase
{
    /// <summary>The disks' ids (disk0, ...; wildcards allowed); Get-VirtioBlkPci's Id and Get-VmBlockStatistic's DeviceId bind to it.</summary>
    [Parameter(Position = 0, ParameterSetName = ConfigSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Position = 1, ParameterSetName = VmSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Position = 1, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
    [Alias("DeviceId")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DiskIdCompleter))]
    public string[]? Id { get; set; }

    [Parameter]
    public SwitchParameter Discard { get; set; }

    private static readonly string[] DeviceOptions =
        [nameof(ReadOnly), nameof(Serial), nameof(Cache), nameof(Direct), nameof(NumQueues), nameof(QueueSize), nameof(IoThread),
         nameof(Discard), nameof(WriteZeroes), nameof(PciAddress), nameof(Transitional)];

    private (int Slot, int Function)? _address;
    private bool _changesDevice;

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        _changesDevice = DeviceOptions.Any(MyInvocation.BoundParameters.ContainsKey);
        if (!string.IsNullOrEmpty(PciAddress) && !string.Equals(PciAddress, "auto", StringComparison.OrdinalIgnoreCase))
            _address = ParsePciAddress(PciAddress);
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName != ConfigSet && !_changesDevice)
        {
            // The limits alone may change on a running VM too: VirtualMachine.SetDiskLimits applies them live.
            foreach (var vm in TargetVms())
            {
                if (Targets(vm.Config) is { } disks && SetLimits(vm, disks) && PassThru)
                    WriteVm(vm);
            }
            return;
        }

        EditTargets(Edit, PassThru, vm => RefuseUnlessStopped(vm, $"change {string.Join(", ", DeviceOptions.Where(MyInvocation.BoundParameters.ContainsKey).Select(p => "-" + p))} of a disk"));
    }

    /// <summary>The disks -Id names; without -Id the only disk. Null after the error was written.</summary>
    private List<VirtioBlkPciConfig>? Targets(VmConfig config)
    {
        var ids = DiskIds(Id);
        if (ids is null && config.BlockDevices.Count > 1)
        {
            WriteError(VmErrors.Create("DiskIdRequired", ErrorCategory.InvalidArgument,
                $"VM '{config.Name}' has {config.BlockDevices.Count} disks ({string.Join(", ", config.BlockDevices.Select(d => d?.Id))}). Say which with -Id.", config.Name));
            return null;
        }
        if (ids is null && config.BlockDevices.Count == 0)
        {
            WriteError(VmErrors.Create("DiskNotFound", ErrorCategory.ObjectNotFound,
                $"VM '{config.Name}' has no disks. Add one with Add-VirtioBlkPci.", config.Name));
            return null;
        }
        var disks = SelectDisks(config, ids, out bool missing);
        return missing || disks.Count == 0 ? null : disks;
    }

    private bool SetLimits(VirtualMachine vm, List<VirtioBlkPciConfig> disks)
    {
        foreach (var disk in disks)
        {
            var limits = ApplyLimits(disk.Disk.Throttle);
            if (limits.Validate(disk.Id) is { Count: > 0 } problems)
            {
                WriteError(VmErrors.Create("InvalidDiskLimits", ErrorCategory.InvalidArgument, string.Join(" ", problems), vm));
                return false;
            }
            try
            {
                if (ShouldProcess(vm.Name, $"Set the I/O limits of disk '{disk.Id}' to {ThrottleLimitsText.Format(limits)}"))
                    vm.SetDiskLimits(disk.Id, limits);
            }
            catch (VmException e)
            {
                WriteVmError(e, vm);
                return false;
            }
        }
        return true;
    }

    /// <summary>Changes the disks of <paramref name="config"/> and checks them all as Start-Vm will; on an error nothing changes.</summary>
    private bool Edit(VmConfig config, object target)
    {
        if (Targets(config) is not { } disks)
            return false;

        var changed = config.BlockDevices.Select(d => disks.Contains(d) ? Change(d) : d).ToList();
        try
        {
            VmConfigValidator.ValidateBlockDevices(changed);
        }
        catch (VmException e)
        {
            WriteVmError(e, target);
            return false;
        }

        foreach (var disk in changed.Where(d => !config.BlockDevices.Contains(d)))
        {
            if (!ShouldProcess(config.Name, $"Set disk '{disk.Id}' to {new VirtioBlkPciDisk(config.Name, disk).Describe()}"))
                continue;
            int index = config.BlockDevices.FindIndex(d => string.Equals(d?.Id, disk.Id, StringComparison.OrdinalIgnoreCase));
            config.BlockDevices[index] = disk;
            WriteVerbose($"Disk '{disk.Id}' of '{config.Name}': {new VirtioBlkPciDisk(config.Name, disk).Describe()}.");
        }
        return true;
    }

    /// <summary><paramref name="disk"/> with what the parameters name changed.</summary>
    private VirtioBlkPciConfig Change(VirtioBlkPciConfig disk)
    {
        var bound = MyInvocation.BoundParameters;
        var o = disk.Disk;
        var cache = Cache ?? (bound.ContainsKey(nameof(Direct)) ? (Direct ? BlockCacheMode.None : BlockCacheMode.Writeback) : o.CacheMode);
        var options = o with
        {
            ReadOnly = bound.ContainsKey(nameof(ReadOnly)) ? ReadOnly : o.ReadOnly,
            Serial = Serial is null ? o.Serial : Serial.Length == 0 ? null : Serial,
            CacheMode = cache,
            NumQueues = NumQueues ?? o.NumQueues,
            QueueSize = QueueSize ?? o.QueueSize,
            IoThread = IoThread is null ? o.IoThread : IoThread.Length == 0 ? null : IoThread,
            Discard = bound.ContainsKey(nameof(Discard)) ? Discard : o.Discard,
            WriteZeroes = WriteZeroes ?? o.WriteZeroes,
            Throttle = ApplyLimits(o.Throttle),
        };
        return disk with
        {
            Disk = options,
            Slot = PciAddress is null ? disk.Slot : _address?.Slot,
            Function = PciAddress is null ? disk.Function : _address?.Function ?? 0,
            Transitional = bound.ContainsKey(nameof(Transitional)) ? Transitional : disk.Transitional,
        };
    }
}
