using PSVmm.Engine.Bus;
using PSVmm.Engine.Pci;
using PSVmm.Engine.Platform;
using PSVmm.Tests.TestDoubles;
using Xunit;
using static PSVmm.Engine.Pci.PciConfigRegisters;

namespace PSVmm.Tests.Pci;

/// <summary>Config accesses through the real port and MMIO buses, as a guest makes them.</summary>
public sealed class PciBusTests
{
    private readonly PciBus _bus = new();
    private readonly IoBus _pio = new("pio");
    private readonly IoBus _mmio = new("mmio");
    private readonly RecordingInterruptSinkPci _sink = new();

    public PciBusTests()
    {
        _pio.Register(MemoryLayout.PciConfigAddressPort, PciConf1Region.PortCount, new PciConf1Region(_bus), "pci-conf1");
        _mmio.Register(MemoryLayout.EcamAddress, MemoryLayout.EcamSize, new PciEcamRegion(_bus), "pci-ecam");
    }

    private static uint Conf1Address(int device, int function, int register, int bus = 0) =>
        0x8000_0000u | (uint)bus << 16 | (uint)device << 11 | (uint)function << 8 | (uint)(register & 0xFC);

    private ulong Conf1Read(int device, int function, int register, int size)
    {
        _pio.Write(0xCF8, 4, Conf1Address(device, function, register));
        return _pio.Read(0xCFCul + (ulong)(register & 3), size);
    }

    private void Conf1Write(int device, int function, int register, int size, ulong value)
    {
        _pio.Write(0xCF8, 4, Conf1Address(device, function, register));
        _pio.Write(0xCFCul + (ulong)(register & 3), size, value);
    }

    private ulong EcamRead(int device, int function, int register, int size, int bus = 0) =>
        _mmio.Read(MemoryLayout.EcamAddress + PciEcamRegion.OffsetOf(bus, device, function, register), size);

    private void EcamWrite(int device, int function, int register, int size, ulong value) =>
        _mmio.Write(MemoryLayout.EcamAddress + PciEcamRegion.OffsetOf(0, device, function, register), size, value);

    [Fact]
    public void Host_bridge_is_an_intel_host_bridge_at_00_00_0()
    {
        Assert.Equal(0x0D57_8086ul, Conf1Read(0, 0, VendorId, 4));
        Assert.Equal(0x06_00_00ul, Conf1Read(0, 0, RevisionId, 4) >> 8);
        Assert.Equal(0ul, Conf1Read(0, 0, HeaderType, 1));
    }

    [Fact]
    public void Conf1_and_ecam_show_identical_conventional_space_for_bridge_and_device()
    {
        var device = new TestPciFunction("t", _sink);
        var address = _bus.Add(device, slot: 3);
        device.Config.SetBarAddress(0, 0xC000_0000);
        Conf1Write(3, 0, Command, 2, 0x0006);
        EcamWrite(3, 0, InterruptLine, 1, 0x0B);

        foreach (var (slot, fn) in new[] { (0, 0), (address.Device, address.Function) })
        {
            for (int reg = 0; reg < ConventionalSize; reg += 4)
                Assert.Equal(Conf1Read(slot, fn, reg, 4), EcamRead(slot, fn, reg, 4));
            for (int reg = 0; reg < ConventionalSize; reg++)
                Assert.Equal(Conf1Read(slot, fn, reg, 1), EcamRead(slot, fn, reg, 1));
        }
        Assert.Equal(0x0006ul, EcamRead(3, 0, Command, 2));
        Assert.Equal(0x0Bul, Conf1Read(3, 0, InterruptLine, 1));
    }

    [Fact]
    public void Conf1_data_port_offsets_select_bytes_and_words()
    {
        _bus.Add(new TestPciFunction("t", _sink), slot: 1);
        _pio.Write(0xCF8, 4, Conf1Address(1, 0, 0));
        Assert.Equal((ulong)TestPciFunction.Vendor, _pio.Read(0xCFC, 2));
        Assert.Equal((ulong)TestPciFunction.Device, _pio.Read(0xCFE, 2));
        Assert.Equal((ulong)(TestPciFunction.Device >> 8), _pio.Read(0xCFF, 1));
    }

    [Fact]
    public void Conf1_address_latches_only_dword_writes_and_reads_back()
    {
        var conf1 = (PciConf1Region)_pio.Find(0xCF8, 4)!.Region;
        _pio.Write(0xCF8, 4, 0x8000_0800);
        Assert.Equal(0x8000_0800ul, _pio.Read(0xCF8, 4));
        _pio.Write(0xCF8, 1, 0x00);          // byte access to CONFIG_ADDRESS does not latch
        _pio.Write(0xCF9, 1, 0x06);
        _pio.Write(0xCF8, 2, 0x0000);
        Assert.Equal(0x8000_0800u, conf1.ConfigAddress);
        _pio.Write(0xCF8, 4, 0xFFFF_FFFF);   // reserved bits 30:24 and 1:0 are dropped
        Assert.Equal(0x80FF_FFFCu, conf1.ConfigAddress);
    }

    [Fact]
    public void Conf1_with_enable_bit_clear_reads_all_ones_and_drops_writes()
    {
        _pio.Write(0xCF8, 4, 0x0000_0000 | Command);
        Assert.Equal(0xFFFF_FFFFul, _pio.Read(0xCFC, 4));
        _pio.Write(0xCFC, 2, 0x0002);
        Assert.Equal(PciCommand.None, _bus.HostBridge.Config.CommandValue & PciCommand.MemorySpace);
    }

    [Fact]
    public void Absent_functions_and_other_buses_read_all_ones_and_ignore_writes()
    {
        Assert.Equal(0xFFFF_FFFFul, Conf1Read(5, 0, 0, 4));
        Assert.Equal(0xFFFFul, Conf1Read(31, 7, 0x3E, 2));
        Assert.Equal(0xFFFF_FFFFul, EcamRead(0, 0, 0, 4, bus: 1));
        Assert.Equal(0xFFFF_FFFFul, EcamRead(9, 3, 0x800, 4));
        Conf1Write(5, 0, Command, 2, 6);
        EcamWrite(5, 0, Command, 2, 6);
        Assert.Equal(0xFFFF_FFFFul, Conf1Read(5, 0, 0, 4));
    }

    [Fact]
    public void Ecam_reaches_extended_space_and_rejects_accesses_crossing_a_function()
    {
        var device = new TestPciFunction("t", _sink);
        device.Config.AddExtendedCapability(0x000B, 1, 8);
        _bus.Add(device, slot: 2);
        Assert.Equal(0x0001_000Bul, EcamRead(2, 0, 0x100, 4));
        Assert.Equal(0ul, EcamRead(2, 0, 0xFFC, 4));
        Assert.Equal(0xFFFF_FFFFul, _mmio.Read(MemoryLayout.EcamAddress + PciEcamRegion.OffsetOf(0, 2, 0, 0xFFE), 4));
    }

    [Fact]
    public void Multifunction_devices_expose_functions_only_with_the_bit_on_function_0()
    {
        var f0 = new TestPciFunction("f0", _sink);
        var f1 = new TestPciFunction("f1", _sink);
        var orphan = new TestPciFunction("orphan", _sink);

        _bus.Add(orphan, slot: 6, function: 2);
        Assert.Equal(0xFFFF_FFFFul, Conf1Read(6, 2, 0, 4));   // no function 0 yet: invisible

        _bus.Add(f0, slot: 4);
        Assert.Equal(0ul, Conf1Read(4, 0, HeaderType, 1) & 0x80);
        _bus.Add(f1, slot: 4, function: 1);
        Assert.Equal(0x80ul, Conf1Read(4, 0, HeaderType, 1) & 0x80);
        Assert.Equal((ulong)TestPciFunction.Vendor, Conf1Read(4, 1, 0, 2));
        Assert.Equal(0xFFFF_FFFFul, Conf1Read(4, 2, 0, 4));

        var late0 = new TestPciFunction("late0", _sink);
        _bus.Add(late0, slot: 6);
        Assert.True(late0.Config.IsMultifunction);
        Assert.Equal((ulong)TestPciFunction.Vendor, Conf1Read(6, 2, 0, 2));
    }

    [Fact]
    public void Slot_collision_names_both_devices()
    {
        _bus.Add(new TestPciFunction("disk0", _sink), slot: 5);
        var e = Assert.Throws<PciAddressInUseException>(() => _bus.Add(new TestPciFunction("disk1", _sink), slot: 5));
        Assert.Contains("0000:00:05.0", e.Message);
        Assert.Contains("disk0", e.Message);
        Assert.Contains("disk1", e.Message);
        Assert.Throws<PciAddressInUseException>(() => _bus.Add(new TestPciFunction("x", _sink), slot: 0));
    }

    [Fact]
    public void Auto_allocation_takes_the_lowest_free_slot_and_fails_when_full()
    {
        _bus.Add(new TestPciFunction("a", _sink), slot: 1);
        _bus.Add(new TestPciFunction("b", _sink), slot: 2, function: 3);
        var c = _bus.Add(new TestPciFunction("c", _sink));
        Assert.Equal("0000:00:03.0", c.ToString());
        for (int i = 4; i < 32; i++)
            _bus.Add(new TestPciFunction($"d{i}", _sink));
        Assert.Throws<PciAddressInUseException>(() => _bus.Add(new TestPciFunction("overflow", _sink)));
    }

    [Fact]
    public void Device_info_snapshot_reports_header_bars_and_capabilities()
    {
        var device = new TestPciFunction("t", _sink);
        _bus.Add(device, slot: 7, function: 0);
        device.Config.SetBarAddress(2, 0x1_0000_0000);
        Conf1Write(7, 0, Command, 2, 0x0002);
        Conf1Write(7, 0, Status, 2, 0xFFFF);

        var info = _bus.GetDeviceInfos().Single(i => i.Name == "t");
        Assert.Equal("0000:00:07.0", info.Address.ToString());
        Assert.Equal(TestPciFunction.Vendor, info.VendorId);
        Assert.Equal(TestPciFunction.Device, info.DeviceId);
        Assert.Equal((ushort)0x0042, info.SubsystemId);
        Assert.Equal(TestPciFunction.Class, info.ClassCode);
        Assert.Equal(2, info.Revision);
        Assert.Equal(PciCommand.MemorySpace, info.Command);
        Assert.Equal(PciStatus.CapabilitiesList, info.Status);
        Assert.Equal([0, 1, 2], info.Bars.Select(b => b.Index));
        var bar2 = info.Bars[2];
        Assert.Equal((PciBarKind.Memory64, true, 0x1_0000_0000ul, TestPciFunction.Bar2Size, true), (bar2.Kind, bar2.Prefetchable, bar2.Address, bar2.Size, bar2.Enabled));
        Assert.False(info.Bars[1].Enabled);   // I/O decode is off
        Assert.Equal(["VendorSpecific", "MSI-X"], info.Capabilities.Select(c => c.Name));
        Assert.Equal(device.Msix.Offset, info.Capabilities[1].Offset);
    }

    [Fact]
    public void A_throwing_device_reads_as_master_abort_and_is_reported()
    {
        var faults = new List<Exception>();
        _bus.DeviceFault += (_, e) => faults.Add(e);
        _bus.Add(new ThrowingFunction(), slot: 9);
        Assert.Equal(0xFFFF_FFFFul, Conf1Read(9, 0, 0, 4));
        Conf1Write(9, 0, 4, 2, 1);
        Assert.Equal(2, faults.Count);
    }

    private sealed class ThrowingFunction() : PciFunction("bad", new PciIdentity(1, 2, 3))
    {
        public override void ReadConfig(int offset, Span<byte> data) => throw new InvalidOperationException("boom");
        public override void WriteConfig(int offset, ReadOnlySpan<byte> data) => throw new InvalidOperationException("boom");
        public override IDeviceRegion? GetBarRegion(int index) => null;
    }
}
