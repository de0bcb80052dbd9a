using PSVmm.Engine.Platform;
using static PSVmm.Engine.Kvm.Cpuid.CpuidBits;

namespace PSVmm.Engine.Kvm.Cpuid;

/// <summary>
/// Pure functions that turn KVM_GET_SUPPORTED_CPUID's list into what one vCPU is given.
/// Under PVM the CPL0 instruction emulator rejects many instructions (PLATFORM.md); the Pvm
/// profile clears their feature bits. On a PVM host CPUID at CPL0 still ORs in native bits,
/// so for Linux the kernel command line does the real work; the profile keeps what KVM reports
/// honest and is what a VT host applies.
/// </summary>
internal static class CpuidProfile
{
    /// <summary>Auto becomes Pvm when the kvm_pvm module is loaded, else Host.</summary>
    public static CpuProfile Resolve(CpuProfile requested, Func<bool>? isPvmHost = null)
    {
        if (requested != CpuProfile.Auto)
            return requested;
        return (isPvmHost ?? IsPvmHost)() ? CpuProfile.Pvm : CpuProfile.Host;
    }

    public static bool IsPvmHost() => Directory.Exists("/sys/module/kvm_pvm");

    /// <summary>The CPUID entries for vCPU <paramref name="apicId"/> of <paramref name="cpuCount"/>.</summary>
    public static IReadOnlyList<CpuidEntry> ForVcpu(IReadOnlyList<CpuidEntry> supported, uint apicId, int cpuCount, CpuProfile profile)
    {
        if (profile == CpuProfile.Auto)
            throw new ArgumentException("Resolve the profile first.", nameof(profile));
        var result = new List<CpuidEntry>(supported.Count);
        foreach (var entry in supported)
        {
            var e = WithTopology(WithApicId(entry, apicId), cpuCount);
            if (entry.Function == LeafFeatures)
                e = e with { Ecx = e.Ecx | Bit(Hypervisor) };
            if (profile == CpuProfile.Pvm)
                e = WithoutPvmRejectedFeatures(e);
            if (profile == CpuProfile.Pvm && cpuCount > 1)
                e = WithoutSmpUnsafePvFeatures(e);
            result.Add(e);
        }
        return result;
    }

    /// <summary>Leaf 1 EBX[31:24] is the initial APIC id; leaves 0xB and 0x1F report the x2APIC id in EDX of every subleaf.</summary>
    public static CpuidEntry WithApicId(CpuidEntry e, uint apicId) => e.Function switch
    {
        LeafFeatures => e with { Ebx = (e.Ebx & 0x00FF_FFFF) | ((apicId & 0xFF) << 24) },
        LeafExtendedTopology or LeafV2ExtendedTopology => e with { Edx = apicId },
        _ => e,
    };

    /// <summary>
    /// One package of <paramref name="cpuCount"/> single-thread cores, whatever the host's
    /// topology: leaf 1 EBX[23:16] and EDX.HTT, and the SMT and core levels of leaves 0xB/0x1F
    /// (Intel SDM Vol. 3A §9.9.1: EAX = x2APIC id shift to the next level, EBX = logical
    /// processors at this level, ECX = level type &lt;&lt; 8 | level number).
    /// </summary>
    public static CpuidEntry WithTopology(CpuidEntry e, int cpuCount)
    {
        uint count = (uint)Math.Clamp(cpuCount, 1, 255);
        uint shift = (uint)System.Numerics.BitOperations.Log2(System.Numerics.BitOperations.RoundUpToPowerOf2(count));
        switch (e.Function)
        {
            case LeafFeatures:
                uint ebx = (e.Ebx & 0xFF00_FFFF) | (Math.Min(1u << (int)shift, 255u) << 16);
                uint edx = count > 1 ? e.Edx | Bit(Htt) : e.Edx & ~Bit(Htt);
                return e with { Ebx = ebx, Edx = edx };
            case LeafExtendedTopology or LeafV2ExtendedTopology:
                return e.Index switch
                {
                    0 => e with { Eax = 0, Ebx = 1, Ecx = (1u << 8) | 0 },
                    1 => e with { Eax = shift, Ebx = count, Ecx = (2u << 8) | 1 },
                    _ => e with { Eax = 0, Ebx = 0, Ecx = e.Index & 0xFF },
                };
            default:
                return e;
        }
    }

    /// <summary>
    /// Clears the features whose instructions the PVM CPL0 emulator rejects (PLATFORM.md).
    /// CX16 matters most: PVM lets a VMM hide it, and Linux's SLUB then does without
    /// cmpxchg16b, which it otherwise runs at CPL0 right after "Memory: ..." at boot.
    /// </summary>
    public static CpuidEntry WithoutPvmRejectedFeatures(CpuidEntry e)
    {
        switch (e.Function)
        {
            case LeafFeatures:
                return e with
                {
                    Ecx = e.Ecx & ~Bits(Pclmulqdq, Ssse3, Fma, Cx16, Sse41, Sse42, Movbe, Popcnt, Aes, Xsave, Osxsave, Avx, F16c),
                };
            case LeafExtendedFeatures when e.Index == 0:
                return e with
                {
                    Ebx = e.Ebx & ~Bits(Fsgsbase, Bmi1, Avx2, Bmi2, Erms, Invpcid, Avx512F, Avx512Dq, Adx, Smap, Avx512Ifma,
                        Clwb, Avx512Pf, Avx512Er, Avx512Cd, Sha, Avx512Bw, Avx512Vl),
                    Ecx = e.Ecx & ~Bits(Avx512Vbmi, Avx512Vbmi2, Gfni, Vaes, Vpclmulqdq, Avx512Vnni, Avx512Bitalg,
                        Avx512Vpopcntdq, Rdpid),
                    Edx = e.Edx & ~Bits(Avx5124Vnniw, Avx5124Fmaps, Fsrm, Avx512Vp2intersect, Avx512Fp16),
                };
            case LeafExtendedFeatures when e.Index == 1:
                return e with { Eax = e.Eax & ~Bits(AvxVnni, Avx512Bf16) };
            case LeafXsave:
                // Without XSAVE the whole leaf describes nothing.
                return e with { Eax = 0, Ebx = 0, Ecx = 0, Edx = 0 };
            case LeafExtendedSignature:
                return e with { Ecx = e.Ecx & ~Bit(Abm), Edx = e.Edx & ~Bit(Rdtscp) };
            default:
                return e;
        }
    }

    /// <summary>Under PVM with several vCPUs, PV IPIs, PV unhalt and PV sched-yield make the guest `vmcall`, which hangs (PLATFORM.md).</summary>
    public static CpuidEntry WithoutSmpUnsafePvFeatures(CpuidEntry e) =>
        e.Function == LeafKvmFeatures
            ? e with { Eax = e.Eax & ~Bits(KvmFeaturePvUnhalt, KvmFeaturePvSendIpi, KvmFeaturePvSchedYield) }
            : e;

    private static uint Bit(int n) => 1u << n;

    private static uint Bits(params int[] bits)
    {
        uint mask = 0;
        foreach (var b in bits)
            mask |= 1u << b;
        return mask;
    }
}
