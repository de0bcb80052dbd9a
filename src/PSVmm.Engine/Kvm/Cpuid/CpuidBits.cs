namespace PSVmm.Engine.Kvm.Cpuid;

/// <summary>CPUID leaves and feature bits used by the profiles (Intel SDM Vol. 2A, CPUID; Linux Documentation/virt/kvm/x86/cpuid.rst).</summary>
internal static class CpuidBits
{
    public const uint LeafFeatures = 0x1;
    public const uint LeafExtendedFeatures = 0x7;
    public const uint LeafExtendedTopology = 0xB;
    public const uint LeafXsave = 0xD;
    public const uint LeafV2ExtendedTopology = 0x1F;
    public const uint LeafKvmSignature = 0x4000_0000;
    public const uint LeafKvmFeatures = 0x4000_0001;
    public const uint LeafExtendedSignature = 0x8000_0001;

    // Leaf 1 ECX.
    public const int Pclmulqdq = 1, Ssse3 = 9, Fma = 12, Cx16 = 13, Sse41 = 19, Sse42 = 20, Movbe = 22, Popcnt = 23,
        Aes = 25, Xsave = 26, Osxsave = 27, Avx = 28, F16c = 29, Hypervisor = 31;

    // Leaf 1 EDX.
    public const int Htt = 28;

    // Leaf 7.0 EBX.
    public const int Fsgsbase = 0, Bmi1 = 3, Avx2 = 5, Bmi2 = 8, Erms = 9, Invpcid = 10, Avx512F = 16,
        Avx512Dq = 17, Adx = 19, Smap = 20, Avx512Ifma = 21, Clwb = 24, Avx512Pf = 26, Avx512Er = 27,
        Avx512Cd = 28, Sha = 29, Avx512Bw = 30, Avx512Vl = 31;

    // Leaf 7.0 ECX.
    public const int Avx512Vbmi = 1, Avx512Vbmi2 = 6, Gfni = 8, Vaes = 9, Vpclmulqdq = 10, Avx512Vnni = 11,
        Avx512Bitalg = 12, Avx512Vpopcntdq = 14, Rdpid = 22;

    // Leaf 7.0 EDX.
    public const int Avx5124Vnniw = 2, Avx5124Fmaps = 3, Fsrm = 4, Avx512Vp2intersect = 8, Avx512Fp16 = 23;

    // Leaf 7.1 EAX.
    public const int AvxVnni = 4, Avx512Bf16 = 5;

    // Leaf 0x80000001 ECX / EDX.
    public const int Abm = 5;
    public const int Rdtscp = 27;

    // Leaf 0x40000001 EAX (KVM paravirtual features).
    public const int KvmFeaturePvUnhalt = 7, KvmFeaturePvSendIpi = 11, KvmFeaturePvSchedYield = 13;
}
