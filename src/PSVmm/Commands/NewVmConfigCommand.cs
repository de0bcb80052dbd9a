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
/// that fails is one non-terminating error and the next row goes on. -QemuArgs reads the machine
/// from a QEMU or StratoVirt command line instead.
/// </summary>
[Cmdlet(VerbsCommon.New, "VmConfig", DefaultParameterSetName = ParametersSet)]
[OutputType(typeof(VmConfig))]
public sealed class NewVmConfigCommand : PSCmdlet
{
    private const string ParametersSet = "Parameters";
    private const string QemuArgsSet = "QemuArgs";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ParametersSet)]
    [Alias("VMName")]
    public string Name { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ParametersSet)]
    public int MemoryMB { get; set; } = new VmConfig().MemoryMB;

    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ParametersSet)]
    [Alias("ProcessorCount")]
    public int CpuCount { get; set; } = new VmConfig().CpuCount;

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true, ParameterSetName = ParametersSet)]
    [Alias("KernelPath")]
    public string Kernel { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ParametersSet)]
    [Alias("InitrdPath")]
    public string? Initrd { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ParametersSet)]
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
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ParametersSet)]
    [Alias("BlockDevices")]
    public VirtioBlkPciDisk[] Disk { get; set; } = [];

    /// <summary>A QEMU or StratoVirt command line: one string (split as a shell would) or the arguments as an array.</summary>
    [Parameter(Mandatory = true, ParameterSetName = QemuArgsSet)]
    [AllowEmptyString]
    public string[] QemuArgs { get; set; } = [];

    protected override void ProcessRecord()
    {
        var config = ParameterSetName == QemuArgsSet ? FromQemuArgs() : FromParameters();
        if (config is null)
            return;
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

    private VmConfig FromQemuArgs()
    {
        var config = QemuCommandLineImport.Read(this, QemuArgs);
        config.CpuProfile = CpuProfile;
        config.PvmKernelArgs = !NoPvmKernelArgs;
        config.ConsoleLogPath = FileSystemPaths.Resolve(this, ConsoleLogPath, "ConsoleLogPathNotFound");
        return config;
    }

    /// <summary>The configuration the parameters describe; null after a path error was written.</summary>
    private VmConfig? FromParameters()
    {
        if (!FileSystemPaths.TryResolveFile(this, Kernel, "KernelImageNotFound", out var kernel)
            || !FileSystemPaths.TryResolveFile(this, Initrd, "InitrdNotFound", out var initrd)
            || !FileSystemPaths.TryResolveFile(this, ConsoleLogPath, "ConsoleLogPathNotFound", out var consoleLog))
        {
            return null;
        }

        return new VmConfig
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
    }
}
