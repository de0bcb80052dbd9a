namespace PSVmm.Engine.Kvm.Native;

/// <summary>A KVM or libc call failed; <see cref="Errno"/> is the errno it left.</summary>
internal sealed class KvmException : Exception
{
    public KvmException(string operation, int errno)
        : base($"{operation} failed: {Describe(errno)} (errno {errno}).")
    {
        Operation = operation;
        Errno = errno;
    }

    public string Operation { get; }

    public int Errno { get; }

    private static string Describe(int errno) => errno switch
    {
        1 => "operation not permitted",
        2 => "no such file or directory",
        4 => "interrupted",
        7 => "argument list too long",
        12 => "out of memory",
        13 => "permission denied",
        14 => "bad address",
        16 => "device or resource busy",
        17 => "already exists",
        22 => "invalid argument",
        24 => "too many open files",
        25 => "inappropriate ioctl",
        _ => "error",
    };
}
