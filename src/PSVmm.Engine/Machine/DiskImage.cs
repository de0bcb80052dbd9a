using PSVmm.Engine.Devices.Block.Backend;

namespace PSVmm.Engine.Machine;

/// <summary>
/// Creates and resizes raw disk images for virtio-blk disks. Every change is made under the
/// image's exclusive lock (the one a running disk holds), so an image a running VM or another
/// process has open is refused, and no VM can open an image that is half made. Failures are
/// <see cref="VmException"/>s with stable ErrorIds.
/// </summary>
public static partial class DiskImage
{
    public const int SectorSize = 512;

    private const long PreallocationStep = 256L << 20;

    /// <summary>
    /// Makes the image <paramref name="options"/> describe. On failure or cancellation the file is
    /// deleted again. <paramref name="progress"/> is called on this thread during long work.
    /// </summary>
    public static void Create(NewDiskImageOptions options, Action<DiskImageProgress>? progress, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(options);
        CheckSize(options.SizeBytes);
        CheckNewPath(options.Path);
        if (options.FileSystem is not null)
        {
            CheckFileSystemOptions(options);
            _ = E2fsprogs.Find("mke2fs"); // before the file is touched
        }

        using var image = Open(() => RawImageFile.Create(options.Path, options.Overwrite), options.Path);
        bool made = false;
        try
        {
            image.SetLength(options.SizeBytes);
            if (options.Preallocate)
                Preallocate(image, progress, token);
            if (options.FileSystem is not null)
                BuildExt4(image, options, progress, token);
            made = true;
        }
        catch (Exception e) when (e is IOException or NotSupportedException or UnauthorizedAccessException)
        {
            throw ToVmException(e, options.Path);
        }
        finally
        {
            if (!made)
                DeleteQuietly(options.Path);
        }
    }

    /// <summary>Throws InvalidDiskImageSize unless <paramref name="sizeBytes"/> is a positive multiple of 512.</summary>
    public static void CheckSize(long sizeBytes)
    {
        if (sizeBytes <= 0 || sizeBytes % SectorSize != 0)
        {
            long up = sizeBytes <= 0 ? SectorSize : (sizeBytes / SectorSize + 1) * SectorSize;
            throw new VmException("InvalidDiskImageSize", VmErrorCategory.InvalidArgument,
                $"A disk image's size must be a positive multiple of {SectorSize} bytes (whole sectors); {sizeBytes} is not. Use {up} (or a size such as 64MB or 10GB).");
        }
    }

    private static void CheckNewPath(string path)
    {
        if (Directory.Exists(path))
        {
            throw new VmException("DiskImagePathIsDirectory", VmErrorCategory.InvalidArgument,
                $"'{path}' is a directory. Give the path of the image file to create in it.");
        }
        string? folder = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
        {
            throw new VmException("DiskImageFolderNotFound", VmErrorCategory.ObjectNotFound,
                $"The folder '{folder}' does not exist. Create it first (New-Item -ItemType Directory).");
        }
    }

    private static void Preallocate(RawImageFile image, Action<DiskImageProgress>? progress, CancellationToken token)
    {
        long size = image.Length;
        string activity = $"Preallocating '{image.Path}'";
        for (long done = 0; done < size; done += PreallocationStep)
        {
            token.ThrowIfCancellationRequested();
            progress?.Invoke(new DiskImageProgress(activity, $"{done >> 20} of {size >> 20} MiB allocated", (int)(100 * done / size)));
            image.Preallocate(done, Math.Min(PreallocationStep, size - done));
        }
    }

    private static RawImageFile Open(Func<RawImageFile> open, string path)
    {
        try
        {
            return open();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ToVmException(e, path);
        }
    }

    private static VmException ToVmException(Exception e, string path) => e switch
    {
        BlockImageLockedException => new VmException("DiskImageLocked", VmErrorCategory.ResourceUnavailable,
            $"The disk image '{path}' is in use by a running VM or another process (it holds the image's lock). Stop that VM (Stop-Vm) or close the other program first.", e),
        ImageFileExistsException => new VmException("DiskImageExists", VmErrorCategory.ResourceExists,
            $"'{path}' already exists. Add -Force to replace it, or choose another path.", e),
        FileNotFoundException => new VmException("DiskImageNotFound", VmErrorCategory.ObjectNotFound,
            $"The disk image '{path}' does not exist.", e),
        UnauthorizedAccessException => new VmException("DiskImageAccessDenied", VmErrorCategory.PermissionDenied, e.Message, e),
        NotSupportedException => new VmException("PreallocationNotSupported", VmErrorCategory.InvalidOperation, e.Message, e),
        _ => new VmException("DiskImageIoFailed", VmErrorCategory.DeviceError, e.Message, e),
    };

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Left behind: the original failure is what the user needs to see.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
