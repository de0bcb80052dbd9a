using System.Management.Automation;
using PSVmm.Engine.Machine;
using PSVmm.Engine.Platform;
using PSVmm.Errors;

namespace PSVmm.Commands;

/// <summary>
/// New-VmConfig: describes a VM (name, memory, CPUs, kernel, initrd, arguments) and checks it.
/// Every parameter also binds by property name, so a VmConfig piped in is copied with changes.
/// -QemuArgs reads the machine from a QEMU or StratoVirt command line instead.
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

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ParametersSet)]
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

    /// <summary>A QEMU or StratoVirt command line: one string (split as a shell would) or the arguments as an array.</summary>
    [Parameter(Mandatory = true, ParameterSetName = QemuArgsSet)]
    [AllowEmptyString]
    public string[] QemuArgs { get; set; } = [];

    protected override void ProcessRecord()
    {
        var config = ParameterSetName == QemuArgsSet ? FromQemuArgs() : FromParameters();
        try
        {
            VmConfigValidator.Validate(config);
        }
        catch (VmException e)
        {
            // One config per call: nothing more can be done with it.
            ThrowTerminatingError(VmErrors.From(e, config));
        }
        WriteObject(config);
    }

    private VmConfig FromQemuArgs()
    {
        var config = QemuCommandLineImport.Read(this, QemuArgs);
        config.CpuProfile = CpuProfile;
        config.PvmKernelArgs = !NoPvmKernelArgs;
        config.ConsoleLogPath = ConsoleLogPath is null ? null : ResolveFilePath(ConsoleLogPath, "ConsoleLogPathNotFound");
        return config;
    }

    private VmConfig FromParameters() => new()
    {
        Name = Name,
        MemoryMB = MemoryMB,
        CpuCount = CpuCount,
        KernelPath = ResolveFilePath(Kernel, "KernelImageNotFound"),
        InitrdPath = Initrd is null ? null : ResolveFilePath(Initrd, "InitrdNotFound"),
        KernelArgs = KernelArgs ?? "",
        CpuProfile = CpuProfile,
        PvmKernelArgs = !NoPvmKernelArgs,
        ConsoleLogPath = ConsoleLogPath is null ? null : ResolveFilePath(ConsoleLogPath, "ConsoleLogPathNotFound"),
    };

    private string ResolveFilePath(string path, string errorId) => FileSystemPaths.Resolve(this, path, errorId);
}
