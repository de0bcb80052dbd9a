namespace PSVmm.Engine.Machine;

/// <summary>What <see cref="DiskImage.Resize"/> does to the raw image at <paramref name="Path"/>.</summary>
public sealed record ResizeDiskImageOptions(string Path, long SizeBytes)
{
    /// <summary>Allow a smaller size: what lies beyond it is lost.</summary>
    public bool AllowShrink { get; init; }

    /// <summary>Resize the ext2/3/4 file system the image holds too (e2fsck, then resize2fs).</summary>
    public bool ResizeFileSystem { get; init; }
}
