using Xunit;

namespace PSVmm.Tests.Machine;

/// <summary>A fact that needs /dev/kvm; skipped (only) where the device does not exist.</summary>
public sealed class KvmFactAttribute : FactAttribute
{
    public KvmFactAttribute()
    {
        if (!File.Exists("/dev/kvm"))
            Skip = "/dev/kvm does not exist on this host.";
    }
}

/// <summary>KVM tests run one at a time, after the parallel ones (they count fds, threads and mappings).</summary>
[CollectionDefinition("Kvm", DisableParallelization = true)]
public sealed class KvmCollection
{
}

/// <summary>A theory that needs /dev/kvm.</summary>
public sealed class KvmTheoryAttribute : TheoryAttribute
{
    public KvmTheoryAttribute()
    {
        if (!File.Exists("/dev/kvm"))
            Skip = "/dev/kvm does not exist on this host.";
    }
}
