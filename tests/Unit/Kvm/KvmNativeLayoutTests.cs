using System.Runtime.CompilerServices;
using PSVmm.Engine.Kvm.Native;
using Xunit;

namespace PSVmm.Tests.Kvm;

/// <summary>Checks the ioctl numbers and struct sizes against the values in linux/kvm.h.</summary>
public class KvmNativeLayoutTests
{
    [Fact]
    public void IoctlNumbersMatchKernelHeaders()
    {
        Assert.Equal(0xAE00u, KvmIoctls.GetApiVersion);
        Assert.Equal(0xAE01u, KvmIoctls.CreateVm);
        Assert.Equal(0xC008AE05u, KvmIoctls.GetSupportedCpuid);
        Assert.Equal(0x4020AE46u, KvmIoctls.SetUserMemoryRegion);
        Assert.Equal(0xAE80u, KvmIoctls.Run);
        Assert.Equal(0x8090AE81u, KvmIoctls.GetRegs);
        Assert.Equal(0x4138AE84u, KvmIoctls.SetSregs);
        Assert.Equal(0x4008AE90u, KvmIoctls.SetCpuid2);
        Assert.Equal(0x4040AEA0u, KvmIoctls.SetVcpuEvents);
        Assert.Equal(0x4020AE76u, KvmIoctls.Irqfd);
        Assert.Equal(0x4040AE79u, KvmIoctls.Ioeventfd);
        Assert.Equal(0x4020AEA5u, KvmIoctls.SignalMsi);
        Assert.Equal(0x4008AE6Au, KvmIoctls.SetGsiRouting);
        Assert.Equal(0x8400AE8Eu, KvmIoctls.GetLapic);
    }

    [Fact]
    public void StructSizesMatchKernelHeaders()
    {
        Assert.Equal(144, Unsafe.SizeOf<KvmRegs>());
        Assert.Equal(24, Unsafe.SizeOf<KvmSegment>());
        Assert.Equal(312, Unsafe.SizeOf<KvmSregs>());
        Assert.Equal(416, Unsafe.SizeOf<KvmFpu>());
        Assert.Equal(64, Unsafe.SizeOf<KvmVcpuEvents>());
        Assert.Equal(24, Unsafe.SizeOf<KvmTranslation>());
        Assert.Equal(32, Unsafe.SizeOf<KvmUserspaceMemoryRegion>());
        Assert.Equal(48, Unsafe.SizeOf<KvmIrqRoutingEntry>());
        Assert.Equal(40, Unsafe.SizeOf<KvmCpuidEntry2>());
        Assert.Equal(16, Unsafe.SizeOf<KvmMsrEntry>());
    }
}
