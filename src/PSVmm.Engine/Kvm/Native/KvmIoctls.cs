namespace PSVmm.Engine.Kvm.Native;

/// <summary>
/// KVM ioctl request numbers for x86_64 (Linux Documentation/virt/kvm/api.rst), built from the
/// asm-generic _IOC encoding: dir(2) | size(14) | type(8) = 0xAE | nr(8).
/// </summary>
internal static class KvmIoctls
{
    private const uint KvmIo = 0xAE;
    private const uint None = 0, Write = 1, Read = 2;

    private static uint Ioc(uint dir, uint nr, uint size) => (dir << 30) | (size << 16) | (KvmIo << 8) | nr;

    // System ioctls.
    public static readonly uint GetApiVersion = Ioc(None, 0x00, 0);
    public static readonly uint CreateVm = Ioc(None, 0x01, 0);
    public static readonly uint CheckExtension = Ioc(None, 0x03, 0);
    public static readonly uint GetVcpuMmapSize = Ioc(None, 0x04, 0);
    public static readonly uint GetSupportedCpuid = Ioc(Read | Write, 0x05, 8);

    // VM ioctls.
    public static readonly uint CreateVcpu = Ioc(None, 0x41, 0);
    public static readonly uint SetUserMemoryRegion = Ioc(Write, 0x46, 32);
    public static readonly uint SetTssAddr = Ioc(None, 0x47, 0);
    public static readonly uint SetIdentityMapAddr = Ioc(Write, 0x48, 8);
    public static readonly uint CreateIrqchip = Ioc(None, 0x60, 0);
    public static readonly uint IrqLine = Ioc(Write, 0x61, 8);
    public static readonly uint SetGsiRouting = Ioc(Write, 0x6A, 8);
    public static readonly uint Irqfd = Ioc(Write, 0x76, 32);
    public static readonly uint CreatePit2 = Ioc(Write, 0x77, 64);
    public static readonly uint Ioeventfd = Ioc(Write, 0x79, 64);
    public static readonly uint SignalMsi = Ioc(Write, 0xA5, 32);

    // vCPU ioctls.
    public static readonly uint Run = Ioc(None, 0x80, 0);
    public static readonly uint GetRegs = Ioc(Read, 0x81, 144);
    public static readonly uint SetRegs = Ioc(Write, 0x82, 144);
    public static readonly uint GetSregs = Ioc(Read, 0x83, 312);
    public static readonly uint SetSregs = Ioc(Write, 0x84, 312);
    public static readonly uint Translate = Ioc(Read | Write, 0x85, 24);
    public static readonly uint SetMsrs = Ioc(Write, 0x89, 8);
    public static readonly uint SetSignalMask = Ioc(Write, 0x8B, 4);
    public static readonly uint GetFpu = Ioc(Read, 0x8C, 416);
    public static readonly uint SetFpu = Ioc(Write, 0x8D, 416);
    public static readonly uint GetLapic = Ioc(Read, 0x8E, 1024);
    public static readonly uint SetLapic = Ioc(Write, 0x8F, 1024);
    public static readonly uint SetCpuid2 = Ioc(Write, 0x90, 8);
    public static readonly uint GetMpState = Ioc(Read, 0x98, 4);
    public static readonly uint SetMpState = Ioc(Write, 0x99, 4);
    public static readonly uint GetVcpuEvents = Ioc(Read, 0x9F, 64);
    public static readonly uint SetVcpuEvents = Ioc(Write, 0xA0, 64);
}

/// <summary>KVM_CHECK_EXTENSION capability numbers (include/uapi/linux/kvm.h).</summary>
internal static class KvmCap
{
    public const int Irqchip = 0;
    public const int UserMemory = 3;
    public const int SetTssAddr = 4;
    public const int NrVcpus = 9;
    public const int NrMemslots = 10;
    public const int IrqRouting = 25;
    public const int Irqfd = 32;
    public const int Pit2 = 33;
    public const int Ioeventfd = 36;
    public const int SetIdentityMapAddr = 37;
    public const int MaxVcpus = 66;
    public const int SignalMsi = 77;
    public const int IoeventfdAnyLength = 122;
    public const int ImmediateExit = 136;
    public const int ExitOnEmulationFailure = 204;
}

/// <summary>kvm_run.exit_reason values.</summary>
internal static class KvmExit
{
    public const uint Unknown = 0;
    public const uint Exception = 1;
    public const uint Io = 2;
    public const uint Hypercall = 3;
    public const uint Debug = 4;
    public const uint Hlt = 5;
    public const uint Mmio = 6;
    public const uint IrqWindowOpen = 7;
    public const uint Shutdown = 8;
    public const uint FailEntry = 9;
    public const uint Intr = 10;
    public const uint InternalError = 17;
    public const uint SystemEvent = 24;

    public const uint InternalErrorEmulation = 1;
    public const uint SystemEventShutdown = 1;
    public const uint SystemEventReset = 2;
    public const uint SystemEventCrash = 3;
}
