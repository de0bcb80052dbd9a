using PSVmm.Engine.Devices.Block.Backend;

namespace PSVmm.Engine.Machine;

/// <summary>Growing and shrinking an image, and with it the ext2/3/4 file system it holds (e2fsck, resize2fs).</summary>
public static partial class DiskImage
{
    private const int ExtMagicOffset = 1080;
    private const ushort ExtMagic = 0xEF53;

    /// <summary>The size of the image at <paramref name="path"/>; throws DiskImageNotFound.</summary>
    public static long GetSize(string path)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            throw new VmException("DiskImageNotFound", VmErrorCategory.ObjectNotFound,
                Directory.Exists(path) ? $"'{path}' is a directory, not a disk image." : $"The disk image '{path}' does not exist.");
        }
        return file.Length;
    }

    /// <summary>
    /// Gives the image its new size. Shrinking needs <see cref="ResizeDiskImageOptions.AllowShrink"/>
    /// (DiskImageShrinkRefused otherwise). With <see cref="ResizeDiskImageOptions.ResizeFileSystem"/>
    /// the file system is checked first, grown after the file, or shrunk before it.
    /// </summary>
    public static void Resize(ResizeDiskImageOptions options, Action<DiskImageProgress>? progress, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(options);
        CheckSize(options.SizeBytes);
        _ = GetSize(options.Path);
        if (options.ResizeFileSystem)
        {
            _ = E2fsprogs.Find("e2fsck");
            _ = E2fsprogs.Find("resize2fs");
        }

        using var image = Open(() => RawImageFile.OpenExisting(options.Path), options.Path);
        try
        {
            long current = image.Length;
            if (options.SizeBytes < current && !options.AllowShrink)
                throw ShrinkRefused(options.Path, current, options.SizeBytes);
            if (!options.ResizeFileSystem)
            {
                image.SetLength(options.SizeBytes);
                return;
            }

            CheckExtFileSystem(options.Path);
            var step = new FileSystemStep(options.Path, progress, token);
            step.Run("e2fsck", ["-f", "-p", options.Path], "Checking the file system (e2fsck -f)", okExitCodes: 3);
            if (options.SizeBytes >= current)
            {
                image.SetLength(options.SizeBytes);
                step.Run("resize2fs", [options.Path], "Growing the file system (resize2fs)", okExitCodes: 0);
            }
            else
            {
                step.Run("resize2fs", [options.Path, $"{options.SizeBytes / 1024}K"], "Shrinking the file system (resize2fs)", okExitCodes: 0);
                image.SetLength(options.SizeBytes);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ToVmException(e, options.Path);
        }
    }

    public static VmException ShrinkRefused(string path, long current, long size) =>
        new("DiskImageShrinkRefused", VmErrorCategory.InvalidOperation,
            $"'{path}' has {current} bytes: {size} would cut off its last {current - size} bytes and what they hold. Add -AllowShrink if that is what you want (with -ResizeFileSystem the file system is shrunk first).");

    private static void CheckExtFileSystem(string path)
    {
        var magic = new byte[2];
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            stream.Position = ExtMagicOffset;
            stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        }
        if (BitConverter.ToUInt16(magic) != ExtMagic)
        {
            throw new VmException("NotAnExtFileSystem", VmErrorCategory.InvalidData,
                $"'{path}' holds no ext2/3/4 file system at its start (no superblock magic at byte {ExtMagicOffset}); -ResizeFileSystem works only on such images. Without it only the file is resized.");
        }
    }

    /// <summary>One e2fsprogs run after another, each reported as a step of one activity.</summary>
    private sealed class FileSystemStep(string path, Action<DiskImageProgress>? progress, CancellationToken token)
    {
        private readonly string _activity = $"Resizing '{path}'";

        /// <summary>Runs <paramref name="tool"/>; exit codes with no bit outside <paramref name="okExitCodes"/> succeed.</summary>
        public void Run(string tool, string[] arguments, string status, int okExitCodes)
        {
            void Report() => progress?.Invoke(new DiskImageProgress(_activity, status, -1));
            Report();
            var result = E2fsprogs.Run(tool, arguments, Report, token);
            if ((result.ExitCode & ~okExitCodes) != 0)
            {
                throw new VmException("FileSystemResizeFailed", VmErrorCategory.InvalidOperation,
                    $"{tool} failed on '{path}' (exit code {result.ExitCode}), so the file system keeps its size: {result.Output}");
            }
        }
    }
}
