using PSVmm.Engine.Pci;
using Xunit;
using static PSVmm.Engine.Pci.PciConfigRegisters;

namespace PSVmm.Tests.Pci;

public sealed class PciCapabilityTests
{
    /// <summary>Walks the list the way a guest does: from 0x34, following next pointers.</summary>
    internal static List<(byte Id, int Offset)> Walk(Func<int, byte> read8)
    {
        var list = new List<(byte, int)>();
        int offset = read8(CapabilitiesPointer) & ~3;
        while (offset != 0 && list.Count < 48)
        {
            list.Add((read8(offset), offset));
            offset = read8(offset + 1) & ~3;
        }
        return list;
    }

    [Fact]
    public void No_capabilities_means_status_bit_clear_and_null_pointer()
    {
        var c = new PciConfigSpace(new PciIdentity(1, 2, 3));
        Assert.Equal(PciStatus.None, c.StatusValue & PciStatus.CapabilitiesList);
        Assert.Equal(0, c.Read8(CapabilitiesPointer));
    }

    [Fact]
    public void Capabilities_chain_in_order_from_0x40_dword_aligned()
    {
        var c = new PciConfigSpace(new PciIdentity(1, 2, 3));
        int a = c.AddCapability(PciCapabilityId.PowerManagement, 8);
        int b = c.AddVendorCapability([1, 2, 3, 4, 5, 6]);          // 9 bytes -> next starts dword aligned
        int m = c.AddCapability(PciCapabilityId.MsiX, 12);

        Assert.Equal(0x40, a);
        Assert.Equal(0x48, b);
        Assert.Equal(0x54, m);
        Assert.True((c.StatusValue & PciStatus.CapabilitiesList) != 0);
        Assert.Equal([(PciCapabilityId.PowerManagement, a), (PciCapabilityId.VendorSpecific, b), (PciCapabilityId.MsiX, m)],
            Walk(c.Read8));
        Assert.Equal(9, c.Read8(b + 2));
        Assert.Equal(6, c.Read8(b + 8));
        Assert.Equal(0, c.Read8(m + 1));
    }

    [Fact]
    public void Capability_bytes_are_read_only_unless_opened()
    {
        var c = new PciConfigSpace(new PciIdentity(1, 2, 3));
        int v = c.AddVendorCapability([7, 7, 7, 7, 7]);
        uint before = c.Read32(v);
        c.Write32(v, 0);
        c.Write32(v + 4, 0);
        Assert.Equal(before, c.Read32(v));
        Assert.Equal(7, c.Read8(v + 4));
    }

    [Fact]
    public void Capabilities_that_do_not_fit_are_rejected()
    {
        var c = new PciConfigSpace(new PciIdentity(1, 2, 3));
        c.AddCapability(PciCapabilityId.VendorSpecific, 0xB0);
        Assert.Throws<InvalidOperationException>(() => c.AddCapability(PciCapabilityId.VendorSpecific, 0x20));
    }

    [Fact]
    public void Extended_capabilities_chain_from_0x100()
    {
        var c = new PciConfigSpace(new PciIdentity(1, 2, 3));
        int first = c.AddExtendedCapability(0x000B, 1, 0x18);
        int second = c.AddExtendedCapability(0x0001, 2, 0x2C);
        Assert.Equal(0x100, first);
        uint header = c.Read32(first);
        Assert.Equal(0x000Bu, header & 0xFFFF);
        Assert.Equal(1u, (header >> 16) & 0xF);
        Assert.Equal((uint)second, header >> 20);
        Assert.Equal(0x0002_0001u, c.Read32(second));
        Assert.Equal(["Extended 0x000b", "Extended 0x0001"], c.ExtendedCapabilities.Select(x => x.Name));
    }
}
