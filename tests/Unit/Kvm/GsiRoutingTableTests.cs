using PSVmm.Engine.Kvm;
using PSVmm.Engine.Kvm.Native;
using Xunit;

namespace PSVmm.Tests.Kvm;

public class GsiRoutingTableTests
{
    [Fact]
    public void DefaultTableHasPicAndIoApicRoutes()
    {
        var entries = new GsiRoutingTable().ToNative();
        Assert.Equal(16 + 24, entries.Length);
        var ioapic = entries.Where(e => e.Type == KvmIrqRoutingEntry.TypeIrqchip && e.U0 == GsiRoutingTable.IrqchipIoApic).ToList();
        Assert.Equal(Enumerable.Range(0, 24).Select(i => (uint)i), ioapic.Select(e => e.Gsi));
        Assert.All(ioapic, e => Assert.Equal(e.Gsi, e.U1));
        var pic = entries.Where(e => e.Type == KvmIrqRoutingEntry.TypeIrqchip && e.U0 != GsiRoutingTable.IrqchipIoApic).ToList();
        Assert.Equal(16, pic.Count);
        Assert.Contains(pic, e => e.Gsi == 4 && e.U0 == GsiRoutingTable.IrqchipPicMaster && e.U1 == 4);
        Assert.Contains(pic, e => e.Gsi == 12 && e.U0 == GsiRoutingTable.IrqchipPicSlave && e.U1 == 4);
    }

    [Fact]
    public void MsiRoutesAreAddedWithoutLosingIrqchipRoutes()
    {
        var table = new GsiRoutingTable();
        table.SetMsi(24, 0x1_FEE0_1000, 0x4041);
        table.SetMsi(25, 0xFEE00000, 0x30);
        var entries = table.ToNative();
        Assert.Equal(16 + 24 + 2, entries.Length);
        var msi = entries.Single(e => e.Gsi == 24);
        Assert.Equal(KvmIrqRoutingEntry.TypeMsi, msi.Type);
        Assert.Equal(0xFEE01000u, msi.U0);
        Assert.Equal(1u, msi.U1);
        Assert.Equal(0x4041u, msi.U2);
        Assert.Contains(entries, e => e.Gsi == 4 && e.U0 == GsiRoutingTable.IrqchipIoApic);
        Assert.True(table.RemoveMsi(24));
        Assert.Equal(16 + 24 + 1, table.ToNative().Length);
    }

    [Fact]
    public void IrqchipPinsCannotBecomeMsiRoutes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GsiRoutingTable().SetMsi(4, 0xFEE00000, 0));
    }
}
