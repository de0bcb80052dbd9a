using PSVmm.Engine.Native;

namespace PSVmm.Engine.Devices.Block.Device;

/// <summary>
/// How a failed request's errno reads in the VM's event log: the libc description, and for the
/// host faults a user can act on, what happened to the image.
/// </summary>
internal static class HostIoErrors
{
    public static string Describe(int errno)
    {
        string hint = errno switch
        {
            Errno.ENOSPC => "the file system holding the image is full; free space on the host",
            Errno.ENODATA => "the image file ends before this range; it was truncated while the disk was in use",
            Errno.EROFS => "the image's file system is read-only now",
            Errno.EIO => "the host's storage reported an error, or a transfer ended short",
            _ => "",
        };
        string text = $"{Errno.Describe(errno)} ({Errno.Name(errno)})";
        return hint.Length == 0 ? text : $"{text}: {hint}";
    }
}
