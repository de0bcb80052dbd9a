namespace PSVmm.Engine.Devices.Block.Backend;

/// <summary>The image is already open for writing (or, for a read-write open, open at all) by this or another process.</summary>
public sealed class BlockImageLockedException : IOException
{
    public BlockImageLockedException(string path, bool wantedReadOnly)
        : base(wantedReadOnly
            ? $"The disk image '{path}' is in use for writing by another VM or process; it cannot be opened, even read-only, until that one closes it."
            : $"The disk image '{path}' is already in use by another VM or process. Close that one first; if it only reads the image, open this one with -ReadOnly to share it.")
    {
        Path = path;
        WantedReadOnly = wantedReadOnly;
    }

    public string Path { get; }

    public bool WantedReadOnly { get; }
}
