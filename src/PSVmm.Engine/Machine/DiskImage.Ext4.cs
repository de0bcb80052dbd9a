using System.Text;
using PSVmm.Engine.Devices.Block.Backend;

namespace PSVmm.Engine.Machine;

/// <summary>Building an ext4 file system in a new image with mke2fs, populated from a folder (mke2fs -d).</summary>
public static partial class DiskImage
{
    private const int MaxLabelBytes = 16;

    private static void CheckFileSystemOptions(NewDiskImageOptions options)
    {
        if (options.Label is { } label && (label.Length == 0 || Encoding.UTF8.GetByteCount(label) > MaxLabelBytes))
        {
            throw new VmException("InvalidFileSystemLabel", VmErrorCategory.InvalidArgument,
                $"The label '{label}' does not fit: an ext4 label has 1 to {MaxLabelBytes} bytes.");
        }

        if (options.SourcePath is not { } source)
            return;
        if (File.Exists(source))
        {
            throw new VmException("SourcePathNotDirectory", VmErrorCategory.InvalidArgument,
                $"-SourcePath '{source}' is a file. Give the folder whose contents become the file system's root.");
        }
        if (!Directory.Exists(source))
        {
            throw new VmException("SourcePathNotFound", VmErrorCategory.ObjectNotFound,
                $"-SourcePath '{source}' does not exist. Give the folder whose contents become the file system's root.");
        }
    }

    private static void BuildExt4(RawImageFile image, NewDiskImageOptions options, Action<DiskImageProgress>? progress, CancellationToken token)
    {
        var arguments = new List<string> { "-t", "ext4", "-F", "-q" };
        if (options.Label is not null)
            arguments.AddRange(["-L", options.Label]);
        if (options.Preallocate)
            arguments.AddRange(["-E", "nodiscard"]); // a discard would punch the preallocated blocks out again

        string activity = $"Building an ext4 file system in '{options.Path}'";
        string status = "mke2fs";
        long sourceBytes = 0;
        if (options.SourcePath is not null)
        {
            arguments.AddRange(["-d", options.SourcePath]);
            progress?.Invoke(new DiskImageProgress(activity, $"Counting the files in '{options.SourcePath}'", -1));
            var (files, bytes) = CountFiles(options.SourcePath, token);
            sourceBytes = bytes;
            status = $"Copying {files} files ({Mib(bytes)} MiB) from '{options.SourcePath}'";
        }
        arguments.Add(options.Path);

        long allocatedBefore = image.AllocatedBytes;
        void Report()
        {
            if (progress is null)
                return;
            long written = image.AllocatedBytes - allocatedBefore;
            // Only the growth of a sparse image shows how far mke2fs got; metadata makes it an estimate.
            int percent = options.Preallocate || sourceBytes == 0 ? -1 : (int)Math.Clamp(100 * written / sourceBytes, 0, 99);
            progress(new DiskImageProgress(activity, options.Preallocate ? status : $"{status}: {Mib(written)} MiB written", percent));
        }

        Report();
        var result = E2fsprogs.Run("mke2fs", arguments, Report, token);
        if (result.ExitCode != 0)
        {
            throw new VmException("FileSystemBuildFailed", VmErrorCategory.InvalidOperation,
                $"mke2fs could not build the file system in '{options.Path}' (exit code {result.ExitCode}): {result.Output}");
        }
    }

    private static (long Files, long Bytes) CountFiles(string folder, CancellationToken token)
    {
        long files = 0, bytes = 0;
        var walk = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 };
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*", walk))
        {
            token.ThrowIfCancellationRequested();
            files++;
            if (file.LinkTarget is null)
                bytes += file.Length;
        }
        return (files, bytes);
    }

    private static long Mib(long bytes) => bytes >> 20;
}
