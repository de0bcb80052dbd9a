namespace PSVmm.Engine.Machine;

/// <summary>
/// What <see cref="DiskImage.Create"/> makes: a raw image of <paramref name="SizeBytes"/> at
/// <paramref name="Path"/> (a full file-system path), sparse unless preallocated, optionally
/// holding a file system built from the files under <see cref="SourcePath"/>.
/// </summary>
public sealed record NewDiskImageOptions(string Path, long SizeBytes)
{
    /// <summary>Replace an existing file (never one a VM or another process has open).</summary>
    public bool Overwrite { get; init; }

    /// <summary>Allocate every byte now, so that the guest's writes never find the host's file system full.</summary>
    public bool Preallocate { get; init; }

    public DiskImageFileSystem? FileSystem { get; init; }

    /// <summary>A folder whose contents become the file system's root (mke2fs -d).</summary>
    public string? SourcePath { get; init; }

    /// <summary>The file system's volume label (at most 16 bytes).</summary>
    public string? Label { get; init; }
}
