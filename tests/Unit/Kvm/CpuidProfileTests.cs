using PSVmm.Engine.Kvm.Cpuid;
using PSVmm.Engine.Platform;
using Xunit;
using static PSVmm.Engine.Kvm.Cpuid.CpuidBits;

namespace PSVmm.Tests.Kvm;

public class CpuidProfileTests
{
    private static readonly CpuidEntry[] Supported =
    [
        new(0, 0, 0, 0x1F, 0x756E6547, 0x6C65746E, 0x49656E69),
        new(LeafFeatures, 0, 0, 0x000906EA, 0x0A0B0C0D, 0xFFFF_FFFF & ~(1u << Hypervisor), 0xFFFF_FFFF),
        new(LeafExtendedFeatures, 0, 1, 1, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF),
        new(LeafExtendedFeatures, 1, 1, 0xFFFF_FFFF, 0, 0, 0),
        new(LeafExtendedTopology, 0, 1, 1, 1, 0x100, 0),
        new(LeafExtendedTopology, 1, 1, 4, 2, 0x201, 0),
        new(LeafXsave, 0, 1, 7, 0x340, 0x340, 0),
        new(LeafKvmSignature, 0, 0, 0x40000001, 0x4B4D564B, 0x564B4D56, 0x4D),
        new(LeafKvmFeatures, 0, 0, 0xFFFF_FFFF, 0, 0, 0),
        new(LeafExtendedSignature, 0, 0, 0, 0, 0xFFFF_FFFF, 0xFFFF_FFFF),
    ];

    private static CpuidEntry Find(IReadOnlyList<CpuidEntry> list, uint function, uint index = 0) =>
        list.Single(e => e.Function == function && e.Index == index);

    private static bool Has(uint reg, int bit) => (reg & (1u << bit)) != 0;

    [Fact]
    public void ApicIdGoesInLeaf1AndTopologyLeaves()
    {
        var list = CpuidProfile.ForVcpu(Supported, 5, 8, CpuProfile.Host);
        Assert.Equal(5u, Find(list, LeafFeatures).Ebx >> 24);
        Assert.Equal(0x0Du, Find(list, LeafFeatures).Ebx & 0xFF);
        Assert.Equal(5u, Find(list, LeafExtendedTopology, 0).Edx);
        Assert.Equal(5u, Find(list, LeafExtendedTopology, 1).Edx);
    }

    [Theory]
    [InlineData(1, 0u, 1u)]
    [InlineData(2, 1u, 2u)]
    [InlineData(6, 3u, 8u)]
    [InlineData(8, 3u, 8u)]
    public void TopologyIsOnePackageOfSingleThreadCores(int cpus, uint coreShift, uint addressable)
    {
        var list = CpuidProfile.ForVcpu(Supported, 1, cpus, CpuProfile.Host);
        var l1 = Find(list, LeafFeatures);
        Assert.Equal(addressable, (l1.Ebx >> 16) & 0xFF);
        Assert.Equal(cpus > 1, Has(l1.Edx, Htt));
        var smt = Find(list, LeafExtendedTopology, 0);
        Assert.Equal((0u, 1u, 0x100u), (smt.Eax, smt.Ebx, smt.Ecx));
        var core = Find(list, LeafExtendedTopology, 1);
        Assert.Equal((coreShift, (uint)cpus, 0x201u), (core.Eax, core.Ebx, core.Ecx));
    }

    [Fact]
    public void HypervisorBitIsSetAndKvmLeavesKept()
    {
        var list = CpuidProfile.ForVcpu(Supported, 0, 1, CpuProfile.Host);
        Assert.True(Has(Find(list, LeafFeatures).Ecx, Hypervisor));
        Assert.Equal(Find(Supported, LeafKvmSignature), Find(list, LeafKvmSignature));
        Assert.Equal(0xFFFF_FFFFu, Find(list, LeafKvmFeatures).Eax);
        Assert.Equal(Supported.Length, list.Count);
    }

    [Fact]
    public void HostProfileKeepsFeatures()
    {
        var list = CpuidProfile.ForVcpu(Supported, 0, 4, CpuProfile.Host);
        Assert.True(Has(Find(list, LeafFeatures).Ecx, Popcnt));
        Assert.True(Has(Find(list, LeafFeatures).Ecx, Cx16));
        Assert.True(Has(Find(list, LeafExtendedFeatures).Ebx, Smap));
        Assert.True(Has(Find(list, LeafKvmFeatures).Eax, KvmFeaturePvSendIpi));
    }

    [Fact]
    public void PvmProfileClearsRejectedFeatures()
    {
        var list = CpuidProfile.ForVcpu(Supported, 0, 1, CpuProfile.Pvm);
        var l1 = Find(list, LeafFeatures);
        foreach (var bit in new[] { Xsave, Osxsave, Avx, Popcnt, Movbe, Ssse3, Sse41, Sse42, Pclmulqdq, Aes, Cx16 })
            Assert.False(Has(l1.Ecx, bit), $"leaf 1 ECX bit {bit}");
        Assert.True(Has(l1.Ecx, 0), "SSE3 stays");
        Assert.True(Has(l1.Ecx, Hypervisor));
        var l7 = Find(list, LeafExtendedFeatures);
        foreach (var bit in new[] { Fsgsbase, Bmi1, Bmi2, Avx2, Smap, Invpcid, Erms, Clwb, Avx512F })
            Assert.False(Has(l7.Ebx, bit), $"leaf 7 EBX bit {bit}");
        Assert.True(Has(l7.Ebx, 7), "SMEP stays");
        Assert.False(Has(l7.Ecx, Rdpid));
        Assert.False(Has(l7.Edx, Fsrm));
        Assert.False(Has(Find(list, LeafExtendedSignature).Edx, Rdtscp));
        Assert.Equal(0u, Find(list, LeafXsave).Eax);
        // One vCPU: the PV features stay.
        Assert.True(Has(Find(list, LeafKvmFeatures).Eax, KvmFeaturePvSendIpi));
    }

    [Fact]
    public void PvmProfileWithSeveralCpusDropsPvIpiUnhaltAndSchedYield()
    {
        var eax = Find(CpuidProfile.ForVcpu(Supported, 1, 2, CpuProfile.Pvm), LeafKvmFeatures).Eax;
        Assert.False(Has(eax, KvmFeaturePvSendIpi));
        Assert.False(Has(eax, KvmFeaturePvUnhalt));
        Assert.False(Has(eax, KvmFeaturePvSchedYield));
        Assert.True(Has(eax, 0), "clocksource stays");
    }

    [Fact]
    public void AutoResolvesByHostKind()
    {
        Assert.Equal(CpuProfile.Pvm, CpuidProfile.Resolve(CpuProfile.Auto, () => true));
        Assert.Equal(CpuProfile.Host, CpuidProfile.Resolve(CpuProfile.Auto, () => false));
        Assert.Equal(CpuProfile.Host, CpuidProfile.Resolve(CpuProfile.Host, () => true));
        Assert.Throws<ArgumentException>(() => CpuidProfile.ForVcpu(Supported, 0, 1, CpuProfile.Auto));
    }
}
