namespace PSVmm.Engine.Qemu;

/// <summary>QEMU's aio= modes for a disk written by <see cref="QemuCommandLineWriter"/>.</summary>
public enum QemuAio
{
    /// <summary>aio=threads: QEMU's thread pool (its default).</summary>
    Threads,

    /// <summary>aio=io_uring.</summary>
    IoUring,

    /// <summary>aio=native: Linux AIO; QEMU needs cache=none for it.</summary>
    Native,
}
