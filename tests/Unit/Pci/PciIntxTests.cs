using PSVmm.Engine.Pci;
using PSVmm.Tests.TestDoubles;
using Xunit;
using static PSVmm.Engine.Pci.PciConfigRegisters;

namespace PSVmm.Tests.Pci;

public sealed class PciIntxTests
{
    private readonly RecordingInterruptSinkPci _sink = new();

    [Theory]
    [InlineData(0, 1, 16u)]
    [InlineData(1, 1, 17u)]
    [InlineData(3, 1, 19u)]
    [InlineData(4, 1, 16u)]
    [InlineData(1, 2, 18u)]
    [InlineData(1, 4, 16u)]
    [InlineData(31, 4, 18u)]
    public void Routing_swizzles_slots_and_pins_over_gsi_16_to_19(int slot, int pin, uint gsi) =>
        Assert.Equal(gsi, PciIntxRouting.GsiFor(slot, pin));

    [Theory]
    [InlineData(-1, 1)]
    [InlineData(32, 1)]
    [InlineData(0, 0)]
    [InlineData(0, 5)]
    public void Routing_rejects_invalid_slots_and_pins(int slot, int pin) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PciIntxRouting.GsiFor(slot, pin));

    [Fact]
    public void Assert_and_deassert_drive_the_gsi_and_the_status_bit()
    {
        var device = new TestPciFunction("t", _sink, pin: 2);
        var intx = new PciIntx(device.Config, _sink, slot: 5);
        Assert.Equal(16u + (5 + 2 - 1) % 4, intx.Gsi);
        Assert.Equal((byte)intx.Gsi, device.Config.Read8(InterruptLine));

        intx.Assert();
        Assert.True((device.Config.StatusValue & PciStatus.InterruptStatus) != 0);
        intx.Assert();   // level: no second edge
        intx.Deassert();
        Assert.Equal(PciStatus.None, device.Config.StatusValue & PciStatus.InterruptStatus);
        Assert.Equal([(intx.Gsi, true), (intx.Gsi, false)], _sink.LineChanges);
    }

    [Fact]
    public void Interrupt_disable_holds_the_line_low_but_status_still_reflects_the_condition()
    {
        var device = new TestPciFunction("t", _sink);
        var intx = new PciIntx(device.Config, _sink, slot: 1);

        device.Write16(Command, (ushort)PciCommand.InterruptDisable);
        intx.Assert();
        Assert.Empty(_sink.LineChanges);
        Assert.True((device.Config.StatusValue & PciStatus.InterruptStatus) != 0);

        device.Write16(Command, 0);     // re-enabling with the condition pending raises the line
        Assert.Equal([(intx.Gsi, true)], _sink.LineChanges);

        device.Write16(Command, (ushort)PciCommand.InterruptDisable);   // disabling lowers it
        Assert.Equal((intx.Gsi, false), _sink.LineChanges[^1]);
        Assert.True(intx.IsAsserted);
        Assert.False(intx.IsLineDriven);
    }

    [Fact]
    public void Guest_cannot_clear_interrupt_status_by_writing_status()
    {
        var device = new TestPciFunction("t", _sink);
        var intx = new PciIntx(device.Config, _sink, slot: 1);
        intx.Assert();
        device.Write16(Status, 0xFFFF);
        Assert.True((device.Config.StatusValue & PciStatus.InterruptStatus) != 0);
    }

    [Fact]
    public void Functions_sharing_a_gsi_keep_it_asserted_until_the_last_one_deasserts()
    {
        var lines = new PciIntxLines(_sink);
        var a = new PciIntx(new TestPciFunction("a", _sink).Config, lines, slot: 1);
        var b = new PciIntx(new TestPciFunction("b", _sink).Config, lines, slot: 5);
        Assert.Equal(a.Gsi, b.Gsi);

        a.Assert();
        b.Assert();
        a.Deassert();
        Assert.Equal([(a.Gsi, true)], _sink.LineChanges);
        Assert.True(lines.IsAsserted(a.Gsi));
        b.Deassert();
        Assert.Equal([(a.Gsi, true), (a.Gsi, false)], _sink.LineChanges);
    }

    [Fact]
    public void A_function_without_an_interrupt_pin_cannot_use_intx()
    {
        var device = new TestPciFunction("t", _sink, pin: 0);
        Assert.Throws<ArgumentException>(() => new PciIntx(device.Config, _sink, slot: 1));
    }
}
