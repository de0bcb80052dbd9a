using PSVmm.Engine.Pci;
using Xunit;

namespace PSVmm.Tests.Pci;

public sealed class PciSlotPlacementTests
{
    [Fact]
    public void The_first_free_slot_after_the_host_bridge_is_chosen()
    {
        Assert.Equal(1, PciSlotPlacement.FirstFreeSlot(_ => false));
        Assert.Equal(4, PciSlotPlacement.FirstFreeSlot(s => s < 4));
    }

    [Fact]
    public void A_full_bus_has_no_free_slot() =>
        Assert.Null(PciSlotPlacement.FirstFreeSlot(_ => true));

    [Fact]
    public void An_address_prints_in_long_and_short_form()
    {
        var address = new PciAddress(0, 0x1f, 3);
        Assert.Equal("0000:00:1f.3", address.ToString());
        Assert.Equal("00:1f.3", address.ToShortString());
        Assert.Equal("00:05.1", PciAddress.Format(0, 5, 1));
    }
}
