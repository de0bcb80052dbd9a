using System.Management.Automation;
using PSVmm.Engine.Machine;

namespace PSVmm.Commands;

/// <summary>
/// Resize-VmDiskImage: grows a raw disk image (or shrinks it, with -AllowShrink and a High-impact
/// confirmation), and with -ResizeFileSystem the ext2/3/4 file system in it. Refuses an image a
/// running VM or another process has open.
/// </summary>
[Cmdlet(VerbsCommon.Resize, "VmDiskImage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FileInfo))]
public sealed class ResizeVmDiskImageCommand : DiskImageCommandBase
{
    /// <summary>The image file (a PowerShell path; FullName binds from Get-ChildItem).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1)]
    public long SizeBytes { get; set; }

    [Parameter]
    public SwitchParameter AllowShrink { get; set; }

    [Parameter]
    public SwitchParameter ResizeFileSystem { get; set; }

    /// <summary>Shrink without a prompt.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        string? path = ResolveImagePath(Path);
        if (path is null)
            return;
        long current = 0;
        if (!RunImageWork((_, _) => current = DiskImage.GetSize(path), Path))
            return;
        if (SizeBytes < current && !AllowShrink)
        {
            WriteVmError(DiskImage.ShrinkRefused(path, current, SizeBytes), Path);
            return;
        }

        string action = $"Resize from {current} to {SizeBytes} bytes{(ResizeFileSystem ? ", with its file system" : "")}";
        bool confirmed = SizeBytes < current ? ShouldProcessHighImpact(path, $"{action}: the last {current - SizeBytes} bytes are lost", Force) : ShouldProcess(path, action);
        if (!confirmed)
            return;

        var options = new ResizeDiskImageOptions(path, SizeBytes) { AllowShrink = AllowShrink, ResizeFileSystem = ResizeFileSystem };
        if (RunImageWork((progress, token) => DiskImage.Resize(options, progress, token), Path) && PassThru)
            WriteObject(new FileInfo(path));
    }
}
