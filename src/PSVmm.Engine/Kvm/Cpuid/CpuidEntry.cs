using PSVmm.Engine.Kvm.Native;

namespace PSVmm.Engine.Kvm.Cpuid;

/// <summary>One CPUID leaf/subleaf as KVM describes it (kvm_cpuid_entry2).</summary>
internal sealed record CpuidEntry(uint Function, uint Index, uint Flags, uint Eax, uint Ebx, uint Ecx, uint Edx)
{
    /// <summary>KVM_CPUID_FLAG_SIGNIFCANT_INDEX: the subleaf (ECX) selects this entry.</summary>
    public const uint FlagSignificantIndex = 1;

    internal static CpuidEntry FromNative(in KvmCpuidEntry2 e) => new(e.Function, e.Index, e.Flags, e.Eax, e.Ebx, e.Ecx, e.Edx);

    internal KvmCpuidEntry2 ToNative() => new()
    {
        Function = Function, Index = Index, Flags = Flags, Eax = Eax, Ebx = Ebx, Ecx = Ecx, Edx = Edx,
    };
}
