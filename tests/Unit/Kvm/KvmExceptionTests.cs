using PSVmm.Engine.Kvm.Native;
using PSVmm.Engine.Native;
using Xunit;

namespace PSVmm.Tests.Kvm;

public sealed class KvmExceptionTests
{
    [Fact]
    public void The_message_names_the_call_and_the_libc_text_of_its_errno()
    {
        var e = new KvmException("KVM_CREATE_VM", 12);
        Assert.Equal($"KVM_CREATE_VM failed: {Errno.Describe(12)} (errno 12).", e.Message);
        Assert.Contains("memory", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(("KVM_CREATE_VM", 12), (e.Operation, e.Errno));
    }

    [Fact]
    public void A_failed_check_of_our_own_has_no_libc_text()
    {
        Assert.Equal("KVM API version 11 (expected 12) failed: error (errno 0).", new KvmException("KVM API version 11 (expected 12)", 0).Message);
    }
}
