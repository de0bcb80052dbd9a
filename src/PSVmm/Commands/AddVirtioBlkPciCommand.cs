using System.Management.Automation;
using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Throttle;
using PSVmm.Engine.Machine;
using PSVmm.Errors;
using PSVmm.Session;

namespace PSVmm.Commands;

/// <summary>
/// Add-VirtioBlkPci: adds virtio-blk-pci disks to a VmConfig or to the configuration of a stopped
/// VM. A builder step: the VmConfig given is not changed; a copy with the disk is written, so
/// New-VmConfig | Add-VirtioBlkPci | Start-Vm works and one base gives many configurations. A VM
/// is changed in place (written with -PassThru). Each disk is checked as the machine will place it;
/// a disk that fails is not added, and a configuration with a failed disk is not written.
/// When -Config is named and the paths come down the pipeline (Get-ChildItem *.img | Add-VirtioBlkPci
/// -Config $c), every disk goes into one copy, written at the end.
/// </summary>
[Cmdlet(VerbsCommon.Add, "VirtioBlkPci", DefaultParameterSetName = ConfigSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(VmConfig), ParameterSetName = [ConfigSet])]
[OutputType(typeof(Model.Vm), ParameterSetName = [VmSet, NameSet])]
public sealed class AddVirtioBlkPciCommand : VirtioBlkOptionsCommandBase
{
    /// <summary>The raw disk image file(s); wildcards are expanded. Position 0 after a piped configuration, 1 after a VM or its name.</summary>
    [Parameter(Position = 0, ParameterSetName = ConfigSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Position = 1, ParameterSetName = VmSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Position = 1, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    /// <summary>The image path(s) taken as written (no wildcards); Get-ChildItem's PSPath binds here.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[]? LiteralPath { get; set; }

    /// <summary>The disk's id in the VM; default: the first free of disk0, disk1, ...</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Id { get; set; }

    [Parameter]
    public SwitchParameter NoDiscard { get; set; }

    private (int Slot, int Function)? _address;

    /// <summary>Copies of a named -Config that collect the disks of every pipeline record; null when each record is written on its own.</summary>
    private List<(VmConfig Copy, bool Failed)>? _collected;

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        if (PciAddress is not null)
            _address = ParsePciAddress(PciAddress);
        if (ParameterSetName == ConfigSet && NamedOnCommandLine(nameof(Config)))
            _collected = [.. Config.Select(c => (c.Clone(), false))];
    }

    protected override void ProcessRecord()
    {
        var paths = ResolvePaths();
        if (paths is null)
            return;

        if (_collected is not null)
        {
            for (int i = 0; i < _collected.Count; i++)
            {
                var (copy, failed) = _collected[i];
                _collected[i] = (copy, !AddAll(copy, paths, copy) | failed);
            }
            return;
        }

        EditTargets((config, target) => AddAll(config, paths, target), PassThru, vm => VmRegistry.IsLive(vm)
            ? VmErrors.Create("HotplugNotSupported", ErrorCategory.InvalidOperation,
                $"VM '{vm.Name}' is {vm.State}: PSVmm cannot add a disk to a running VM (no hot-plug). Stop it with Stop-Vm, add the disk, then Start-Vm it again.", vm)
            : null);
    }

    protected override void EndProcessing()
    {
        foreach (var (copy, failed) in _collected ?? [])
        {
            if (!failed)
                WriteObject(copy);
        }
    }

    /// <summary>The file-system paths of this record's -Path or -LiteralPath; null after the errors were written.</summary>
    private List<string>? ResolvePaths()
    {
        bool literal = LiteralPath is { Length: > 0 };
        if (literal == Path is { Length: > 0 })
        {
            ThrowTerminatingError(VmErrors.Create("DiskPathRequired", ErrorCategory.InvalidArgument,
                "Give the disk image with -Path (wildcards allowed) or -LiteralPath, one of the two.", null));
        }

        var resolved = new List<string>();
        bool ok = true;
        foreach (var path in literal ? LiteralPath! : Path!)
        {
            if (FileSystemPaths.TryResolve(this, path, expandWildcards: !literal, "DiskImageNotFound", out var files, out var error))
            {
                resolved.AddRange(files);
            }
            else
            {
                WriteError(error!);
                ok = false;
            }
        }
        return ok ? resolved : null;
    }

    private bool AddAll(VmConfig config, List<string> paths, object target) => paths.All(path => TryAdd(config, path, target));

    /// <summary>Builds the disk, checks it against the configuration's disks and adds it. False after an error; true when added or skipped by -WhatIf/-Confirm.</summary>
    private bool TryAdd(VmConfig config, string path, object target)
    {
        var disks = config.BlockDevices;
        var disk = Build(path, disks);
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
        if (ShouldProcess(config.Name, $"Add virtio-blk-pci disk '{disk.Id}' ({disk.Disk.Path}){where}"))
        {
            disks.Add(disk);
            WriteVerbose($"Added disk '{disk.Id}' ({disk.Disk.Path}) to '{config.Name}'.");
        }
        return true;
    }

    /// <summary>The disk as the parameters describe it; what they leave out keeps the engine's default, except the id: the first free diskN, not the image's file name.</summary>
    private VirtioBlkPciConfig Build(string path, List<VirtioBlkPciConfig> disks)
    {
        var defaults = new BlockDeviceOptions(path);
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
}
