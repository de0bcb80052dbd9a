using PSVmm.Engine.Bus;
using PSVmm.Engine.Pci;
using PSVmm.Engine.Pci.Msix;
using PSVmm.Engine.Platform;
using PSVmm.Tests.TestDoubles;
using Xunit;
using static PSVmm.Engine.Pci.PciConfigRegisters;

namespace PSVmm.Tests.Pci;

/// <summary>
/// End to end through PciRoot and real buses, only with the accesses a guest can make:
/// enumerate through conf1, size and read BARs, walk capabilities, program MSI-X through MMIO.
/// </summary>
public sealed class PciGuestDriverTests
{
    private readonly IoBus _mmio = new("mmio");
    private readonly IoBus _pio = new("pio");
    private readonly RecordingInterruptSinkPci _sink = new();
    private readonly PciRoot _root;

    public PciGuestDriverTests()
    {
        _root = new PciRoot(_mmio, _pio, PciWindows.Default(), (start, length) => start < MemoryLayout.MmioHoleStart);
    }

    private uint ConfRead(int slot, int register, int size = 4)
    {
        _pio.Write(0xCF8, 4, 0x8000_0000u | (uint)slot << 11 | (uint)(register & 0xFC));
        return (uint)_pio.Read(0xCFCul + (ulong)(register & 3), size);
    }

    private void ConfWrite(int slot, int register, int size, uint value)
    {
        _pio.Write(0xCF8, 4, 0x8000_0000u | (uint)slot << 11 | (uint)(register & 0xFC));
        _pio.Write(0xCFCul + (ulong)(register & 3), size, value);
    }

    [Fact]
    public void Guest_enumerates_sizes_bars_and_drives_msix_over_the_buses()
    {
        var device = new TestPciFunction("t", _sink);
        _root.Add(device, slot: 3);
        _root.AssignBars();

        // Enumerate: only slots 0 (host bridge) and 3 answer.
        var present = Enumerable.Range(0, 32).Where(s => ConfRead(s, VendorId, 2) != 0xFFFF).ToArray();
        Assert.Equal([0, 3], present);

        // Size BAR2 (64-bit) the Linux way: decode off, all-ones, read, restore, decode on.
        uint command = ConfRead(3, Command, 2);
        ConfWrite(3, Command, 2, command & ~3u);
        uint low = ConfRead(3, BarOffset(2)), high = ConfRead(3, BarOffset(3));
        ConfWrite(3, BarOffset(2), 4, 0xFFFF_FFFF);
        ConfWrite(3, BarOffset(3), 4, 0xFFFF_FFFF);
        ulong mask = ((ulong)ConfRead(3, BarOffset(3)) << 32 | ConfRead(3, BarOffset(2))) & ~0xFUL;
        ConfWrite(3, BarOffset(2), 4, low);
        ConfWrite(3, BarOffset(3), 4, high);
        ConfWrite(3, Command, 2, command | (uint)PciCommand.BusMaster);
        Assert.Equal(TestPciFunction.Bar2Size, ~mask + 1);
        ulong bar2 = ((ulong)high << 32 | low) & ~0xFUL;
        Assert.Equal(bar2, _root.Mapper.MappedAddress(device, 2));

        // Walk capabilities to MSI-X and decode the table location.
        var caps = PciCapabilityTests.Walk(o => (byte)ConfRead(3, o, 1));
        int msix = caps.Single(c => c.Id == PciCapabilityId.MsiX).Offset;
        uint tableReg = ConfRead(3, msix + 4);
        uint pbaReg = ConfRead(3, msix + 8);
        int bir = (int)(tableReg & 7);
        Assert.Equal(2, bir);
        ulong table = bar2 + (tableReg & ~7u);
        ulong pba = bar2 + (pbaReg & ~7u);

        // Program vector 1, enable with function mask, unmask the function, notify.
        _mmio.Write(table + 16, 8, 0xFEE0_1000);
        _mmio.Write(table + 24, 4, 0x4061);
        _mmio.Write(table + 28, 4, 0);
        ConfWrite(3, msix + 2, 2, MsixCapability.EnableBit | MsixCapability.FunctionMaskBit);
        Assert.True(device.Msix.Table.Notify(1));
        Assert.Equal(2ul, _mmio.Read(pba, 8));
        ConfWrite(3, msix + 2, 2, MsixCapability.EnableBit);
        Assert.Equal([(0xFEE0_1000ul, 0x4061u)], _sink.Messages);
        Assert.Equal(0ul, _mmio.Read(pba, 8));

        var info = _root.GetDeviceInfos().Single(i => i.Name == "t");
        Assert.Equal("0000:00:03.0", info.Address.ToString());
        Assert.All(info.Bars, b => Assert.True(b.Enabled));
        Assert.Equal(PciCommand.IoSpace | PciCommand.MemorySpace | PciCommand.BusMaster, info.Command);
    }

    [Fact]
    public void Intx_from_the_root_uses_the_slot_routing()
    {
        var device = new TestPciFunction("t", _sink, pin: 1);
        _root.Add(device, slot: 6);
        var intx = _root.CreateIntx(device, _sink);
        Assert.Equal(PciIntxRouting.GsiFor(6, 1), intx.Gsi);
        Assert.Equal(intx.Gsi, ConfRead(6, InterruptLine, 1));

        var neighbour = new TestPciFunction("n", _sink, pin: 1);
        _root.Add(neighbour, slot: 10);   // (10 + 1 - 1) % 4 == (6 + 1 - 1) % 4: same GSI
        var shared = _root.CreateIntx(neighbour, _sink);
        intx.Assert();
        shared.Assert();
        intx.Deassert();
        Assert.Equal([(intx.Gsi, true)], _sink.LineChanges);
        Assert.Throws<InvalidOperationException>(() => _root.CreateIntx(neighbour, new RecordingInterruptSinkPci()));
    }

    [Fact]
    public void Assign_bars_again_places_only_new_devices()
    {
        var first = new TestPciFunction("first", _sink);
        _root.Add(first);
        _root.AssignBars();
        var before = _root.Mapper.Mappings.Select(m => (m.Device.Name, m.BarIndex, m.Address)).ToArray();

        var second = new TestPciFunction("second", _sink);
        _root.Add(second);
        _root.AssignBars();
        var after = _root.Mapper.Mappings;
        Assert.Equal(6, after.Count);
        Assert.All(before, b => Assert.Contains(after, m => m.Device.Name == b.Name && m.BarIndex == b.BarIndex && m.Address == b.Address));
    }

    [Fact]
    public void Random_guest_accesses_never_throw()
    {
        var device = new TestPciFunction("t", _sink);
        _root.Add(device, slot: 1);
        var intx = _root.CreateIntx(device, _sink);
        _root.AssignBars();
        var random = new Random(42);
        int[] widths = [1, 2, 4, 8];
        var buffer = new byte[8];
        ulong bar2 = device.Config.GetBarAddress(2);

        for (int i = 0; i < 20000; i++)
        {
            int width = widths[random.Next(widths.Length)];
            random.NextBytes(buffer);
            var data = buffer.AsSpan(0, width);
            switch (random.Next(4))
            {
                case 0:   // conf1 ports, mostly aimed at slot 1
                    ulong port = 0xCF8ul + (ulong)random.Next(8);
                    if (random.Next(3) == 0)
                        _pio.Write(0xCF8, 4, 0x8000_0000u | (uint)random.Next(3) << 11 | (uint)random.Next(256));
                    if (random.Next(2) == 0) _pio.Write(port, data); else _pio.Read(port, data);
                    break;
                case 1:   // ECAM, slot 0-2
                    ulong ecam = MemoryLayout.EcamAddress + PciEcamRegion.OffsetOf(0, random.Next(3), random.Next(8), random.Next(0x1000));
                    if (random.Next(2) == 0) _mmio.Write(ecam, data); else _mmio.Read(ecam, data);
                    break;
                case 2:   // wherever BAR2 currently is (MSI-X table, PBA, scratch)
                    ulong at = bar2 + (ulong)random.Next((int)TestPciFunction.Bar2Size);
                    if (random.Next(2) == 0) _mmio.Write(at, data); else _mmio.Read(at, data);
                    break;
                default:
                    device.Msix.Table.Notify(random.Next(-1, 6));
                    intx.SetCondition(random.Next(2) == 0);
                    break;
            }
        }
        // The host bridge identity survived the storm.
        Assert.Equal(0x0D57_8086u, ConfRead(0, 0));
    }
}
