using PSVmm.Engine.Native;
using Tmds.Linux;

namespace PSVmm.Engine.Kvm.Native;

/// <summary>Thin checked wrappers over the libc calls KVM needs; every failure becomes a <see cref="KvmException"/>.</summary>
internal static unsafe class Sys
{
    public static int Ioctl(int fd, uint request, void* arg, string what)
    {
        int rc = LibC.ioctl(fd, unchecked((int)request), arg);
        if (rc < 0)
            throw new KvmException(what, LibC.errno);
        return rc;
    }

    public static int Ioctl(int fd, uint request, ulong arg, string what) => Ioctl(fd, request, (void*)arg, what);

    public static int Open(string path, int flags)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            int fd = LibC.open(p, flags, 0);
            if (fd < 0)
                throw new KvmException($"open({path})", LibC.errno);
            return fd;
        }
    }

    public static void Close(int fd)
    {
        if (fd >= 0)
            LibC.close(fd);
    }

    public static void* Mmap(ulong length, int prot, int flags, int fd, string what)
    {
        void* p = LibC.mmap(null, (size_t)length, prot, flags, fd, 0);
        if (p == LibC.MAP_FAILED)
            throw new KvmException(what, LibC.errno);
        return p;
    }

    public static void Munmap(void* address, ulong length)
    {
        if (address != null)
            LibC.munmap(address, (size_t)length);
    }

    public static EventFd CreateEventFd(string what) =>
        EventFd.TryCreate(out int errno) ?? throw new KvmException(what, errno);
}
