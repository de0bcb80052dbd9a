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

    // errno 0: a check of ours failed, not a call; libc would call it "Success".
    private static string Describe(int errno) => errno == 0 ? "error" : PSVmm.Engine.Native.Errno.Describe(errno);
}
