using System.Management.Automation;
using PSVmm.Engine.Machine;
using PSVmm.Engine.Platform;
using PSVmm.Errors;

namespace PSVmm.Commands;

/// <summary>
/// New-VmConfig: describes a VM (name, memory, CPUs, kernel, initrd, arguments) and checks it.
/// Every parameter also binds by property name, so a VmConfig piped in is copied with changes.
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

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
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

    protected override void ProcessRecord()
    {
        var config = new VmConfig
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

    /// <summary>A PowerShell path (relative, ~, PSDrive) as a file-system path; the file need not exist yet.</summary>
    private string ResolveFilePath(string path, string errorId)
    {
        if (string.IsNullOrWhiteSpace(path))
            return path;
        string resolved;
        ProviderInfo provider;
        try
        {
            resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _);
        }
        catch (Exception e) when (e is ItemNotFoundException or System.Management.Automation.DriveNotFoundException or ProviderNotFoundException
                                      or NotSupportedException or ArgumentException or IOException)
        {
            ThrowTerminatingError(VmErrors.Create(errorId, ErrorCategory.ObjectNotFound,
                $"The path '{path}' cannot be resolved: {e.Message}", path, e));
            throw; // not reached
        }
        if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
        {
            ThrowTerminatingError(VmErrors.Create(errorId, ErrorCategory.InvalidArgument,
                $"'{path}' is a {provider.Name} path. Give a file-system path.", path));
        }

        return resolved;
    }
}
