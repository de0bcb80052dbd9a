using System.Management.Automation;
using PSVmm.Engine.Machine;
using PSVmm.Engine.Platform;
using PSVmm.Errors;
using PSVmm.Model;

namespace PSVmm.Commands;

/// <summary>
/// New-VmConfig: describes a VM (name, memory, CPUs, kernel, initrd, arguments) and checks it.
/// Every parameter also binds by property name, so a VmConfig piped in is copied with changes
/// (its disks too), and each row of imported data (Import-Csv) becomes a configuration; a row
/// that fails is one non-terminating error and the next row goes on.
/// </summary>
[Cmdlet(VerbsCommon.New, "VmConfig")]
[OutputType(typeof(VmConfig))]
public sealed class NewVmConfigCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("VMName")]
    public string Name { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public int MemoryMB { get; set; } = new VmConfig().MemoryMB;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("ProcessorCount")]
    public int CpuCount { get; set; } = new VmConfig().CpuCount;

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("KernelPath")]
    public string Kernel { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("InitrdPath")]
    public string? Initrd { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Append")]
    public string KernelArgs { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public CpuProfile CpuProfile { get; set; } = CpuProfile.Auto;

    /// <summary>Under the Pvm profile, boot Linux with -KernelArgs alone (no PVM boot arguments appended).</summary>
    [Parameter]
    public SwitchParameter NoPvmKernelArgs { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? ConsoleLogPath { get; set; }

    /// <summary>Disks to copy into the configuration; a piped VmConfig's BlockDevices bind here, so a copy keeps its disks.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("BlockDevices")]
    public VirtioBlkPciDisk[] Disk { get; set; } = [];

    protected override void ProcessRecord()
    {
        if (!FileSystemPaths.TryResolveFile(this, Kernel, "KernelImageNotFound", out var kernel)
            || !FileSystemPaths.TryResolveFile(this, Initrd, "InitrdNotFound", out var initrd)
            || !FileSystemPaths.TryResolveFile(this, ConsoleLogPath, "ConsoleLogPathNotFound", out var consoleLog))
        {
            return;
        }

        var config = new VmConfig
        {
            Name = Name,
            MemoryMB = MemoryMB,
            CpuCount = CpuCount,
            KernelPath = kernel,
            InitrdPath = initrd,
            KernelArgs = KernelArgs ?? "",
            CpuProfile = CpuProfile,
            PvmKernelArgs = !NoPvmKernelArgs,
            ConsoleLogPath = consoleLog,
            BlockDevices = [.. (Disk ?? []).Where(d => d is not null).Select(d => d.Source)],
        };
        try
        {
            VmConfigValidator.Validate(config);
        }
        catch (VmException e)
        {
            WriteError(VmErrors.From(e, config));
            return;
        }
        WriteObject(config);
    }
}
