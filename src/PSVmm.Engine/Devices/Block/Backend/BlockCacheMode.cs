namespace PSVmm.Engine.Devices.Block.Backend;

/// <summary>How the host caches image data (QEMU's cache= modes of the same names).</summary>
public enum BlockCacheMode
{
    /// <summary>
    /// Host page cache: the image is opened without O_DIRECT; guest writes complete once in the
    /// page cache and a guest flush runs fdatasync. Fast, uses host RAM, no alignment rules.
    /// </summary>
    Writeback,

    /// <summary>
    /// No host page cache: the image is opened with O_DIRECT (DMA straight to and from guest RAM,
    /// bounce buffers when a buffer is misaligned); a guest flush still runs fdatasync to empty the
    /// disk's own write cache and commit file metadata. Offsets and lengths must be multiples of
    /// <see cref="IBlockBackend.LogicalBlockSize"/>.
    /// </summary>
    None,
}
