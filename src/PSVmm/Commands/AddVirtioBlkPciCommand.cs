using System.Management.Automation;
using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Throttle;
using PSVmm.Engine.Machine;
using PSVmm.Errors;
using PSVmm.Model;

namespace PSVmm.Commands;

/// <summary>
/// Add-VirtioBlkPci: adds a virtio-blk-pci disk to a VmConfig (a builder step: the config is
/// always written on, so New-VmConfig | Add-VirtioBlkPci | Start-Vm works) or to the
/// configuration of a stopped VM (written with -PassThru). The disk is checked as the machine
/// will place it; a disk that fails is not added and what was added before stays.
/// </summary>
[Cmdlet(VerbsCommon.Add, "VirtioBlkPci", DefaultParameterSetName = ConfigSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(VmConfig), ParameterSetName = [ConfigSet])]
[OutputType(typeof(Model.Vm), ParameterSetName = [VmSet, NameSet])]
public sealed class AddVirtioBlkPciCommand : VirtioBlkLimitsCommandBase
{
    private const string ConfigSet = "Config";

    [Parameter(Mandatory = true, ParameterSetName = ConfigSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public VmConfig[] Config { get; set; } = [];

    /// <summary>The raw disk image file (a PowerShell path; no wildcards).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>The disk's id in the VM; default: the first free of disk0, disk1, ...</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Id { get; set; }

    [Parameter]
    public SwitchParameter ReadOnly { get; set; }

    [Parameter]
    public string? Serial { get; set; }

    /// <summary>Unset: a queue per vCPU, decided by the engine when the VM starts.</summary>
    [Parameter]
    public int? NumQueues { get; set; }

    [Parameter]
    public int? QueueSize { get; set; }

    /// <summary>Shorthand for -Cache None; it wins over -Cache.</summary>
    [Parameter]
    public SwitchParameter Direct { get; set; }

    [Parameter]
    [Alias("CacheMode")]
    public BlockCacheMode? Cache { get; set; }

    [Parameter]
    public string? IoThread { get; set; }

    [Parameter]
    public SwitchParameter NoDiscard { get; set; }

    [Parameter]
    public VirtioBlkWriteZeroesMode? WriteZeroes { get; set; }

    [Parameter]
    public string? PciAddress { get; set; }

    [Parameter]
    public SwitchParameter Transitional { get; set; }

    /// <summary>With -Vm or -Name: write the VM. A VmConfig is always written.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private string? _resolvedPath;
    private (int Slot, int Function)? _address;

    protected override void BeginProcessing()
    {
        _resolvedPath = ResolvePath(Path);
        if (PciAddress is not null)
        {
            if (!PciAddressText.TryParse(PciAddress, out int slot, out int function, out var problem))
                ThrowTerminatingError(VmErrors.Create("InvalidPciAddress", ErrorCategory.InvalidArgument, problem!, PciAddress));
            _address = (slot, function);
        }
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == ConfigSet)
        {
            foreach (var config in Config)
            {
                if (TryAdd(config.BlockDevices, config.Name, config))
                    WriteObject(config);
            }
            return;
        }

        foreach (var vm in TargetVms())
        {
            if (Session.VmRegistry.IsLive(vm))
            {
                WriteError(VmErrors.Create("HotplugNotSupported", ErrorCategory.InvalidOperation,
                    $"VM '{vm.Name}' is {vm.State}: PSVmm cannot add a disk to a running VM (no hot-plug). Stop it with Stop-Vm, add the disk, then Start-Vm it again.",
                    vm));
                continue;
            }
            if (TryAdd(vm.Config.BlockDevices, vm.Name, vm) && PassThru)
                WriteVm(vm);
        }
    }

    /// <summary>Builds the disk, checks it against <paramref name="disks"/> and adds it. False after an error; true when added or skipped by -WhatIf/-Confirm.</summary>
    private bool TryAdd(List<VirtioBlkPciConfig> disks, string vmName, object target)
    {
        var disk = Build(disks);
        try
        {
            VmConfigValidator.ValidateNewBlockDevice(disks, disk);
        }
        catch (VmException e)
        {
            WriteVmError(e, target);
            return false;
        }
        string where = disk.PciAddress is { } a ? $" at {a}" : "";
        if (ShouldProcess(vmName, $"Add virtio-blk-pci disk '{disk.Id}' ({disk.Disk.Path}){where}"))
        {
            disks.Add(disk);
            WriteVerbose($"Added disk '{disk.Id}' ({disk.Disk.Path}) to '{vmName}'.");
        }
        return true;
    }

    /// <summary>The disk as the parameters describe it; what they leave out keeps the engine's default, except the id: the first free diskN, not the image's file name.</summary>
    private VirtioBlkPciConfig Build(List<VirtioBlkPciConfig> disks)
    {
        var defaults = new BlockDeviceOptions(_resolvedPath!);
        var options = defaults with
        {
            Id = Id ?? NextId(disks),
            ReadOnly = ReadOnly,
            Serial = Serial,
            NumQueues = NumQueues,
            QueueSize = QueueSize ?? defaults.QueueSize,
            CacheMode = Direct ? BlockCacheMode.None : Cache ?? defaults.CacheMode,
            IoThread = string.IsNullOrEmpty(IoThread) ? null : IoThread,
            Discard = !NoDiscard,
            WriteZeroes = WriteZeroes ?? defaults.WriteZeroes,
            Throttle = ApplyLimits(ThrottleLimits.None),
        };
        return new VirtioBlkPciConfig(options)
        {
            Slot = _address?.Slot,
            Function = _address?.Function ?? 0,
            Transitional = Transitional,
        };
    }

    /// <summary>disk0, disk1, ...: the first one no disk of the VM has.</summary>
    private static string NextId(List<VirtioBlkPciConfig> disks)
    {
        for (int i = 0; ; i++)
        {
            string id = $"disk{i}";
            if (!disks.Any(d => string.Equals(d?.Id, id, StringComparison.OrdinalIgnoreCase)))
                return id;
        }
    }

    /// <summary>A PowerShell path (relative, ~, PSDrive) as a file-system path; whether the file exists is the validator's to say.</summary>
    private string ResolvePath(string path)
    {
        try
        {
            string resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out var provider, out _);
            if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
            {
                ThrowTerminatingError(VmErrors.Create("DiskImageNotFound", ErrorCategory.InvalidArgument,
                    $"'{path}' is a {provider.Name} path. Give the disk image's file-system path.", path));
            }

            return resolved;
        }
        catch (Exception e) when (e is ItemNotFoundException or System.Management.Automation.DriveNotFoundException or ProviderNotFoundException
                                      or NotSupportedException or ArgumentException or IOException)
        {
            ThrowTerminatingError(VmErrors.Create("DiskImageNotFound", ErrorCategory.ObjectNotFound,
                $"The disk image path '{path}' cannot be resolved: {e.Message}", path, e));
            throw; // not reached
        }
    }
}
