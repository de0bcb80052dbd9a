using System.Management.Automation;
using PSVmm.Engine.Machine;

namespace PSVmm.Commands;

/// <summary>
/// New-VmDiskImage: creates a raw disk image, sparse unless -Preallocate, and with -FileSystem
/// ext4 builds a file system in it (mke2fs), filled from -SourcePath. Writes the new file.
/// </summary>
[Cmdlet(VerbsCommon.New, "VmDiskImage", DefaultParameterSetName = RawSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FileInfo))]
public sealed class NewVmDiskImageCommand : DiskImageCommandBase
{
    private const string RawSet = "Raw";
    private const string FileSystemSet = "FileSystem";

    /// <summary>The image file to create (a PowerShell path; no wildcards).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>A positive multiple of 512 (10GB, 64MB, ...).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    public long SizeBytes { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = FileSystemSet)]
    public DiskImageFileSystem FileSystem { get; set; }

    /// <summary>The folder whose contents become the file system's root.</summary>
    [Parameter(ParameterSetName = FileSystemSet)]
    [ValidateNotNullOrEmpty]
    public string? SourcePath { get; set; }

    [Parameter(ParameterSetName = FileSystemSet)]
    [ValidateNotNullOrEmpty]
    public string? Label { get; set; }

    [Parameter]
    public SwitchParameter Preallocate { get; set; }

    /// <summary>Replace an existing file (never one a running VM uses).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        string? path = ResolveImagePath(Path);
        string? source = SourcePath is null ? null : ResolveImagePath(SourcePath);
        if (path is null || (SourcePath is not null && source is null))
            return;

        var options = new NewDiskImageOptions(path, SizeBytes)
        {
            Overwrite = Force,
            Preallocate = Preallocate,
            FileSystem = ParameterSetName == FileSystemSet ? FileSystem : null,
            SourcePath = source,
            Label = Label,
        };
        if (!ShouldProcess(path, Describe(options, File.Exists(path))))
            return;
        if (RunImageWork((progress, token) => DiskImage.Create(options, progress, token), Path))
            WriteObject(new FileInfo(path));
    }

    private static string Describe(NewDiskImageOptions options, bool exists)
    {
        string what = $"{(options.Preallocate ? "preallocated" : "sparse")} {options.SizeBytes}-byte disk image";
        if (options.FileSystem is { } fs)
            what += options.SourcePath is null ? $" with an empty {fs} file system" : $" with an {fs} file system holding '{options.SourcePath}'";
        return exists && options.Overwrite ? $"Replace the file with a new {what}" : $"Create a {what}";
    }
}
