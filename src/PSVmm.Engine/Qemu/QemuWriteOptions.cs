namespace PSVmm.Engine.Qemu;

/// <summary>How <see cref="QemuCommandLineWriter"/> writes the QEMU side of a VM.</summary>
public sealed record QemuWriteOptions
{
    /// <summary>
    /// QEMU's fastest virtio-blk set-up for disks that leave it open: an iothread for a disk
    /// without one (the IoThread PSVmm itself runs it on), aio=<see cref="Aio"/> (io_uring by
    /// default) for a disk whose I/O engine is Auto, and cache=none for a disk on the default
    /// writeback cache.
    /// </summary>
    public bool Fastest { get; init; }

    /// <summary>aio= for disks whose I/O engine is Auto; null: QEMU's default (threads), or io_uring with <see cref="Fastest"/>.</summary>
    public QemuAio? Aio { get; init; }

    /// <summary>-cpu for the runnable line.</summary>
    public string Cpu { get; init; } = "host";
}
