using PSVmm.Engine.Boot;
using PSVmm.Engine.Kvm;
using PSVmm.Engine.Kvm.Native;
using Xunit;

namespace PSVmm.Tests.Kvm;

public class BootCpuStateTests
{
    private static KvmSregs ResetState() => new() { Cr0 = 0x6000_0010 };

    [Fact]
    public void Protected32IsFlatWithoutPaging()
    {
        var entry = new EntryState(EntryMode.Protected32, 0x100000) { Rax = 0x2BADB002, Rbx = 0x10000 };
        var s = BootCpuState.Sregs(entry, ResetState());
        Assert.Equal(1UL, s.Cr0 & BootCpuState.Cr0Pe);
        Assert.Equal(0UL, s.Cr0 & (BootCpuState.Cr0Pg | BootCpuState.Cr0Cd | BootCpuState.Cr0Nw));
        Assert.Equal(0UL, s.Efer);
        foreach (var seg in new[] { s.Cs, s.Ds, s.Es, s.Ss })
        {
            Assert.Equal(0UL, seg.Base);
            Assert.Equal(0xFFFF_FFFFu, seg.Limit);
            Assert.Equal(1, seg.Db);
            Assert.Equal(1, seg.Present);
            Assert.Equal(0, seg.L);
        }
        Assert.Equal(0xB, s.Cs.Type);
        Assert.Equal(0x3, s.Ds.Type);
        var r = BootCpuState.Regs(entry);
        Assert.Equal(0x100000UL, r.Rip);
        Assert.Equal(0x2BADB002UL, r.Rax);
        Assert.Equal(0x10000UL, r.Rbx);
        Assert.Equal(2UL, r.Rflags);
    }

    [Fact]
    public void Long64UsesLoaderGdtAndPageTables()
    {
        var entry = new EntryState(EntryMode.Long64, 0x1000000)
        {
            Rsi = 0x7000, Cr3 = 0x9000, GdtBase = 0x500, GdtLimit = 31, CodeSelector = 0x10, DataSelector = 0x18,
        };
        var s = BootCpuState.Sregs(entry, ResetState());
        Assert.Equal(0x10, s.Cs.Selector);
        Assert.Equal(1, s.Cs.L);
        Assert.Equal(0, s.Cs.Db);
        Assert.Equal(0x18, s.Ss.Selector);
        Assert.Equal(0x500UL, s.Gdt.Base);
        Assert.Equal(31, s.Gdt.Limit);
        Assert.Equal(0x9000UL, s.Cr3);
        Assert.Equal(BootCpuState.Cr4Pae, s.Cr4 & BootCpuState.Cr4Pae);
        Assert.Equal(BootCpuState.Cr0Pe | BootCpuState.Cr0Pg | BootCpuState.Cr0Et, s.Cr0 & (BootCpuState.Cr0Pe | BootCpuState.Cr0Pg | BootCpuState.Cr0Et));
        Assert.Equal(BootCpuState.EferLme | BootCpuState.EferLma, s.Efer);
        Assert.Equal(0x7000UL, BootCpuState.Regs(entry).Rsi);
    }

    [Fact]
    public void FpuStartsInResetState()
    {
        var f = BootCpuState.Fpu();
        Assert.Equal(0x37F, f.Fcw);
        Assert.Equal(0x1F80u, f.Mxcsr);
    }

    [Fact]
    public void LapicVirtualWireSetsExtIntAndNmi()
    {
        var lapic = new byte[1024];
        lapic[LapicSetup.Lint0Offset + 2] = 0x01; // the mask bit (16) must survive
        LapicSetup.SetVirtualWire(lapic);
        Assert.Equal(LapicSetup.DeliveryExtInt, LapicSetup.DeliveryMode(lapic, LapicSetup.Lint0Offset));
        Assert.Equal(LapicSetup.DeliveryNmi, LapicSetup.DeliveryMode(lapic, LapicSetup.Lint1Offset));
        Assert.Equal(0x01, lapic[LapicSetup.Lint0Offset + 2]);
    }
}
