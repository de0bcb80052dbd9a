using PSVmm.Engine.Kvm.Cpuid;
using PSVmm.Engine.Kvm.Native;
using Tmds.Linux;

namespace PSVmm.Engine.Kvm;

/// <summary>The /dev/kvm handle: API version, capabilities, supported CPUID, and VM creation.</summary>
internal sealed unsafe class KvmSystem : IDisposable
{
    public const string DevicePath = "/dev/kvm";
    private const int ExpectedApiVersion = 12;
    private int _fd;

    private KvmSystem(int fd) => _fd = fd;

    /// <summary>Opens /dev/kvm and checks the API version (api.rst §4.1: it must be 12).</summary>
    public static KvmSystem Open(string path = DevicePath)
    {
        int fd = Sys.Open(path, LibC.O_RDWR | LibC.O_CLOEXEC);
        var kvm = new KvmSystem(fd);
        try
        {
            int version = Sys.Ioctl(fd, KvmIoctls.GetApiVersion, 0UL, "KVM_GET_API_VERSION");
            if (version != ExpectedApiVersion)
                throw new KvmException($"KVM API version {version} (expected {ExpectedApiVersion})", 0);
            return kvm;
        }
        catch
        {
            kvm.Dispose();
            throw;
        }
    }

    public int Fd => _fd;

    /// <summary>KVM_CHECK_EXTENSION: 0 when unsupported, otherwise a capability-specific value.</summary>
    public int CheckExtension(int capability)
    {
        int rc = LibC.ioctl(_fd, unchecked((int)KvmIoctls.CheckExtension), capability);
        return rc < 0 ? 0 : rc;
    }

    public int VcpuMmapSize => Sys.Ioctl(_fd, KvmIoctls.GetVcpuMmapSize, 0UL, "KVM_GET_VCPU_MMAP_SIZE");

    /// <summary>KVM_GET_SUPPORTED_CPUID, growing the buffer while the kernel answers E2BIG.</summary>
    public IReadOnlyList<CpuidEntry> GetSupportedCpuid()
    {
        for (int count = 128; count <= 4096; count *= 2)
        {
            var buffer = new byte[8 + count * sizeof(KvmCpuidEntry2)];
            fixed (byte* p = buffer)
            {
                *(uint*)p = (uint)count;
                int rc = LibC.ioctl(_fd, unchecked((int)KvmIoctls.GetSupportedCpuid), p);
                if (rc < 0)
                {
                    int errno = LibC.errno;
                    if (errno == LibC.E2BIG)
                        continue;
                    throw new KvmException("KVM_GET_SUPPORTED_CPUID", errno);
                }
                int n = (int)*(uint*)p;
                var entries = new List<CpuidEntry>(n);
                var native = (KvmCpuidEntry2*)(p + 8);
                for (int i = 0; i < n; i++)
                    entries.Add(CpuidEntry.FromNative(native[i]));
                return entries;
            }
        }
        throw new KvmException("KVM_GET_SUPPORTED_CPUID", LibC.E2BIG);
    }

    public KvmVm CreateVm()
    {
        int vmFd = Sys.Ioctl(_fd, KvmIoctls.CreateVm, 0UL, "KVM_CREATE_VM");
        return new KvmVm(vmFd);
    }

    public void Dispose()
    {
        Sys.Close(_fd);
        _fd = -1;
    }
}
