using PSVmm.Engine.Kvm.Cpuid;
using PSVmm.Engine.Kvm.Native;
using Tmds.Linux;

namespace PSVmm.Engine.Kvm;

/// <summary>One vCPU file descriptor and its mmap'd kvm_run page.</summary>
internal sealed unsafe class KvmVcpu : IDisposable
{
    public const uint MpStateRunnable = 0;
    public const uint MpStateUninitialized = 1;

    private int _fd;
    private byte* _run;
    private readonly ulong _runSize;

    internal KvmVcpu(int index, int fd, int runMmapSize)
    {
        Index = index;
        _fd = fd;
        _runSize = (ulong)runMmapSize;
        _run = (byte*)Sys.Mmap(_runSize, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd, "mmap(kvm_run)");
    }

    public int Index { get; }

    public int Fd => _fd;

    /// <summary>The shared kvm_run area; valid until Dispose.</summary>
    public byte* Run => _run;

    public ulong RunSize => _runSize;

    /// <summary>KVM_RUN. Returns 0, or the errno for EINTR/EAGAIN (a kick); throws for anything else.</summary>
    public int RunOnce()
    {
        int rc = LibC.ioctl(_fd, unchecked((int)KvmIoctls.Run), (void*)null);
        if (rc >= 0)
            return 0;
        int errno = LibC.errno;
        if (errno == LibC.EINTR || errno == LibC.EAGAIN)
            return errno;
        throw new KvmException("KVM_RUN", errno);
    }

    public void SetImmediateExit(bool value) => Volatile.Write(ref _run[KvmRunLayout.ImmediateExit], value ? (byte)1 : (byte)0);

    public KvmRegs GetRegs() { KvmRegs r; Sys.Ioctl(_fd, KvmIoctls.GetRegs, &r, "KVM_GET_REGS"); return r; }

    public void SetRegs(in KvmRegs regs) { fixed (KvmRegs* p = &regs) Sys.Ioctl(_fd, KvmIoctls.SetRegs, p, "KVM_SET_REGS"); }

    public KvmSregs GetSregs() { KvmSregs r; Sys.Ioctl(_fd, KvmIoctls.GetSregs, &r, "KVM_GET_SREGS"); return r; }

    public void SetSregs(in KvmSregs sregs) { fixed (KvmSregs* p = &sregs) Sys.Ioctl(_fd, KvmIoctls.SetSregs, p, "KVM_SET_SREGS"); }

    public KvmFpu GetFpu() { KvmFpu f; Sys.Ioctl(_fd, KvmIoctls.GetFpu, &f, "KVM_GET_FPU"); return f; }

    public void SetFpu(in KvmFpu fpu) { fixed (KvmFpu* p = &fpu) Sys.Ioctl(_fd, KvmIoctls.SetFpu, p, "KVM_SET_FPU"); }

    public KvmVcpuEvents GetEvents() { KvmVcpuEvents e; Sys.Ioctl(_fd, KvmIoctls.GetVcpuEvents, &e, "KVM_GET_VCPU_EVENTS"); return e; }

    public void SetEvents(in KvmVcpuEvents events) { fixed (KvmVcpuEvents* p = &events) Sys.Ioctl(_fd, KvmIoctls.SetVcpuEvents, p, "KVM_SET_VCPU_EVENTS"); }

    public uint GetMpState() { uint s; Sys.Ioctl(_fd, KvmIoctls.GetMpState, &s, "KVM_GET_MP_STATE"); return s; }

    public void SetMpState(uint state) => Sys.Ioctl(_fd, KvmIoctls.SetMpState, &state, "KVM_SET_MP_STATE");

    /// <summary>The 1 KiB LAPIC register page (KVM_GET_LAPIC).</summary>
    public byte[] GetLapic()
    {
        var regs = new byte[1024];
        fixed (byte* p = regs)
            Sys.Ioctl(_fd, KvmIoctls.GetLapic, p, "KVM_GET_LAPIC");
        return regs;
    }

    public void SetLapic(byte[] regs)
    {
        if (regs.Length != 1024)
            throw new ArgumentException("LAPIC state is 1024 bytes.", nameof(regs));
        fixed (byte* p = regs)
            Sys.Ioctl(_fd, KvmIoctls.SetLapic, p, "KVM_SET_LAPIC");
    }

    /// <summary>KVM_TRANSLATE: the guest-physical address of a linear address, or null when unmapped.</summary>
    public ulong? Translate(ulong linearAddress)
    {
        var t = new KvmTranslation { LinearAddress = linearAddress };
        if (LibC.ioctl(_fd, unchecked((int)KvmIoctls.Translate), &t) < 0 || t.Valid == 0)
            return null;
        return t.PhysicalAddress;
    }

    public void SetCpuid(IReadOnlyList<CpuidEntry> entries)
    {
        var buffer = new byte[8 + entries.Count * sizeof(KvmCpuidEntry2)];
        fixed (byte* p = buffer)
        {
            *(uint*)p = (uint)entries.Count;
            var dst = (KvmCpuidEntry2*)(p + 8);
            for (int i = 0; i < entries.Count; i++)
                dst[i] = entries[i].ToNative();
            Sys.Ioctl(_fd, KvmIoctls.SetCpuid2, p, "KVM_SET_CPUID2");
        }
    }

    /// <summary>KVM_SET_MSRS with one MSR; false when KVM did not accept it.</summary>
    public bool TrySetMsr(uint index, ulong value)
    {
        var buffer = stackalloc byte[8 + sizeof(KvmMsrEntry)];
        *(uint*)buffer = 1;
        *(uint*)(buffer + 4) = 0;
        *(KvmMsrEntry*)(buffer + 8) = new KvmMsrEntry { Index = index, Data = value };
        return LibC.ioctl(_fd, unchecked((int)KvmIoctls.SetMsrs), buffer) == 1;
    }

    /// <summary>KVM_SET_SIGNAL_MASK: the signal mask in force while this vCPU is inside KVM_RUN (8-byte kernel sigset).</summary>
    public void SetSignalMask(ulong kernelSigset)
    {
        var buffer = stackalloc byte[12];
        *(uint*)buffer = 8;
        *(ulong*)(buffer + 4) = kernelSigset;
        Sys.Ioctl(_fd, KvmIoctls.SetSignalMask, buffer, "KVM_SET_SIGNAL_MASK");
    }

    public void Dispose()
    {
        Sys.Munmap(_run, _runSize);
        _run = null;
        Sys.Close(_fd);
        _fd = -1;
    }
}
