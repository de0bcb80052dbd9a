using System.Buffers.Binary;
using System.Text;
using PSVmm.Engine.Boot.Acpi;
using PSVmm.Engine.Platform;
using PSVmm.Tests.TestDoubles;
using Xunit;

namespace PSVmm.Tests.Boot;

/// <summary>ACPI tables written to guest memory and read back the way an OS finds them: RSDP → XSDT → tables.</summary>
public class AcpiTablesTests
{
    private static (ArrayGuestMemory Memory, AcpiTablesLayout Layout) Write(AcpiMachineDescription machine)
    {
        var memory = new ArrayGuestMemory(2 << 20);
        return (memory, AcpiTableBuilder.Write(memory, machine));
    }

    private static byte[] ReadTable(ArrayGuestMemory memory, ulong address)
    {
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(memory.ReadBytes(address + 4, 4));
        var table = memory.ReadBytes(address, (int)length);
        Assert.True(AcpiTable.SumsToZero(table), $"checksum of {Encoding.ASCII.GetString(table, 0, 4)}");
        return table;
    }

    private static Dictionary<string, byte[]> TablesViaXsdt(ArrayGuestMemory memory, ulong rsdpAddress)
    {
        var rsdp = memory.ReadBytes(rsdpAddress, 36);
        Assert.Equal("RSD PTR ", Encoding.ASCII.GetString(rsdp, 0, 8));
        Assert.True(AcpiTable.SumsToZero(rsdp.AsSpan(0, 20)), "RSDP checksum (first 20 bytes)");
        Assert.True(AcpiTable.SumsToZero(rsdp), "RSDP extended checksum");
        Assert.Equal(2, rsdp[15]);
        Assert.Equal(36u, BinaryPrimitives.ReadUInt32LittleEndian(rsdp.AsSpan(20)));
        ulong xsdtAddress = BinaryPrimitives.ReadUInt64LittleEndian(rsdp.AsSpan(24));

        var xsdt = ReadTable(memory, xsdtAddress);
        Assert.Equal("XSDT", Encoding.ASCII.GetString(xsdt, 0, 4));
        var tables = new Dictionary<string, byte[]>();
        for (int off = 36; off < xsdt.Length; off += 8)
        {
            var table = ReadTable(memory, BinaryPrimitives.ReadUInt64LittleEndian(xsdt.AsSpan(off)));
            tables.Add(Encoding.ASCII.GetString(table, 0, 4), table);
        }
        var fadt = tables["FACP"];
        ulong dsdt32 = BinaryPrimitives.ReadUInt32LittleEndian(fadt.AsSpan(40));
        ulong xdsdt = BinaryPrimitives.ReadUInt64LittleEndian(fadt.AsSpan(140));
        Assert.Equal(dsdt32, xdsdt);
        tables.Add("DSDT", ReadTable(memory, xdsdt));
        return tables;
    }

    [Fact]
    public void Rsdp_is_16_byte_aligned_in_the_bios_area_and_leads_to_every_table()
    {
        var (memory, layout) = Write(new AcpiMachineDescription(2, 256 << 20));
        Assert.Equal(MemoryLayout.AcpiTablesAddress, layout.Rsdp);
        Assert.Equal(0UL, layout.Rsdp % 16);
        Assert.True(layout.End <= MemoryLayout.AcpiTablesEnd);
        var tables = TablesViaXsdt(memory, layout.Rsdp);
        Assert.Equal(["APIC", "DSDT", "FACP", "MCFG"], tables.Keys.Order().ToArray());
        foreach (var table in tables.Values)
        {
            Assert.Equal("PSVMM ", Encoding.ASCII.GetString(table, 10, 6));
            Assert.Equal((uint)table.Length, BinaryPrimitives.ReadUInt32LittleEndian(table.AsSpan(4)));
        }
    }

    [Fact]
    public void Tables_do_not_overlap()
    {
        var (_, layout) = Write(new AcpiMachineDescription(8, 1UL << 30));
        var starts = new[] { layout.Rsdp, layout.Xsdt, layout.Fadt, layout.Madt, layout.Mcfg, layout.Dsdt };
        Assert.Equal(starts.Order(), starts);
        Assert.True(layout.Xsdt >= layout.Rsdp + 36);
        Assert.True(layout.Madt >= layout.Fadt + Fadt.Size);
    }

    [Fact]
    public void Fadt_is_revision_6_hardware_reduced_without_pm_timer()
    {
        var (memory, layout) = Write(new AcpiMachineDescription(1, 64 << 20));
        var fadt = TablesViaXsdt(memory, layout.Rsdp)["FACP"];
        Assert.Equal(276, fadt.Length);
        Assert.Equal(6, fadt[8]);
        Assert.Equal(Fadt.MinorRevision, fadt[131]);
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(fadt.AsSpan(112));
        Assert.NotEqual(0u, flags & (1u << 20));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(fadt.AsSpan(76)));  // PM_TMR_BLK
        Assert.Equal(0, fadt[91]);                                                    // PM_TMR_LEN
        Assert.Equal(0u, BinaryPrimitives.ReadUInt16LittleEndian(fadt.AsSpan(46)));   // SCI_INT
        Assert.Equal(layout.Dsdt, BinaryPrimitives.ReadUInt64LittleEndian(fadt.AsSpan(140)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(64)]
    public void Madt_lists_every_cpu_the_ioapic_the_timer_override_and_lint1_nmi(int cpus)
    {
        var (memory, layout) = Write(new AcpiMachineDescription(cpus, 64 << 20));
        var madt = TablesViaXsdt(memory, layout.Rsdp)["APIC"];
        Assert.Equal((uint)MemoryLayout.LapicAddress, BinaryPrimitives.ReadUInt32LittleEndian(madt.AsSpan(36)));
        var lapicIds = new List<int>();
        int ioapics = 0, overrides = 0, nmis = 0;
        for (int off = 44; off < madt.Length;)
        {
            byte type = madt[off], length = madt[off + 1];
            Assert.True(length >= 2 && off + length <= madt.Length, "entry inside the table");
            switch (type)
            {
                case 0:
                    Assert.Equal(8, length);
                    Assert.Equal(madt[off + 2], madt[off + 3]);
                    Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(madt.AsSpan(off + 4)) & 1);
                    lapicIds.Add(madt[off + 3]);
                    break;
                case 1:
                    ioapics++;
                    Assert.Equal(12, length);
                    Assert.Equal((uint)MemoryLayout.IoApicAddress, BinaryPrimitives.ReadUInt32LittleEndian(madt.AsSpan(off + 4)));
                    Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(madt.AsSpan(off + 8)));
                    Assert.DoesNotContain((int)madt[off + 2], lapicIds);
                    break;
                case 2:
                    overrides++;
                    Assert.Equal(10, length);
                    Assert.Equal(0, madt[off + 2]); // ISA
                    Assert.Equal(0, madt[off + 3]); // IRQ0
                    Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(madt.AsSpan(off + 4)));
                    break;
                case 4:
                    nmis++;
                    Assert.Equal(6, length);
                    Assert.Equal(0xFF, madt[off + 2]);
                    Assert.Equal(1, madt[off + 5]);
                    break;
                default:
                    Assert.Fail($"unexpected MADT entry type {type}");
                    break;
            }
            off += length;
        }
        Assert.Equal(Enumerable.Range(0, cpus), lapicIds);
        Assert.Equal(1, ioapics);
        Assert.Equal(1, overrides);
        Assert.Equal(1, nmis);
    }

    [Fact]
    public void Mcfg_describes_the_ecam_window_for_all_buses()
    {
        var (memory, layout) = Write(new AcpiMachineDescription(1, 64 << 20));
        var mcfg = TablesViaXsdt(memory, layout.Rsdp)["MCFG"];
        Assert.Equal(60, mcfg.Length);
        Assert.Equal(MemoryLayout.EcamAddress, BinaryPrimitives.ReadUInt64LittleEndian(mcfg.AsSpan(44)));
        Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(mcfg.AsSpan(52)));
        Assert.Equal(0, mcfg[54]);
        Assert.Equal(255, mcfg[55]);
        // 256 buses x 1 MiB of ECAM each fill the window.
        Assert.Equal(MemoryLayout.EcamSize, (ulong)(mcfg[55] - mcfg[54] + 1) << 20);
    }

    [Fact]
    public void Dsdt_parses_as_valid_aml_and_declares_the_devices()
    {
        var (memory, layout) = Write(new AcpiMachineDescription(1, 64 << 20) { HighMmioBase = 0x10_0000_0000, HighMmioSize = 0x4000_0000 });
        var dsdt = TablesViaXsdt(memory, layout.Rsdp)["DSDT"];
        Assert.Equal(2, dsdt[8]);
        var scope = SystemBus(AmlTestParser.ParseTermList(dsdt[36..]));
        var devices = scope.Terms.OfType<AmlDevice>().ToDictionary(d => d.Name);
        Assert.Equal(["COM1", "GED", "MRES", "PCI0", "PWRB"], devices.Keys.Order().ToArray());

        var pci = Names(devices["PCI0"]);
        Assert.Equal(AmlWriter.EisaId("PNP0A08")[1..], EisaBytes(pci["_HID"]));
        Assert.Equal(AmlWriter.EisaId("PNP0A03")[1..], EisaBytes(pci["_CID"]));
        Assert.Equal(0UL, Assert.IsType<AmlInteger>(pci["_SEG"]).Value);
        Assert.Equal(0UL, Assert.IsType<AmlInteger>(pci["_BBN"]).Value);
        var sta = Assert.Single(devices["PCI0"].Terms.OfType<AmlMethod>());
        Assert.Equal("_STA", sta.Name);
        Assert.Equal(0x0FUL, Assert.IsType<AmlInteger>(Assert.IsType<AmlReturn>(Assert.Single(sta.Terms)).Value).Value);

        var com1 = Names(devices["COM1"]);
        Assert.Equal(AmlWriter.EisaId("PNP0501")[1..], EisaBytes(com1["_HID"]));
        var com1Resources = ResourceParser.Parse(Assert.IsType<AmlBuffer>(com1["_CRS"]).Data);
        Assert.Contains(new ResourceParser.Io(0x3F8, 0x3F8, 8), com1Resources);
        Assert.Contains(new ResourceParser.Irq(1 << 4), com1Resources);

        var mres = ResourceParser.Parse(Assert.IsType<AmlBuffer>(Names(devices["MRES"])["_CRS"]).Data);
        Assert.Contains(new ResourceParser.FixedMemory(MemoryLayout.EcamAddress, MemoryLayout.EcamSize), mres);
    }

    [Fact]
    public void Host_bridge_crs_covers_config_ports_io_and_both_memory_windows()
    {
        var machine = new AcpiMachineDescription(1, 64 << 20) { HighMmioBase = 0x10_0000_0000, HighMmioSize = 0x4000_0000 };
        var crs = ResourceParser.Parse(Assert.IsType<AmlBuffer>(Assert.Single(AmlTestParser.ParseTermList(Dsdt.HostBridgeResources(machine)))).Data);
        Assert.Contains(new ResourceParser.Address(2, 0, 0xFF, 0x100), crs);
        Assert.Contains(new ResourceParser.Io(0xCF8, 0xCF8, 8), crs);
        Assert.Contains(new ResourceParser.Address(1, 0, 0xCF7, 0xCF8), crs);
        Assert.Contains(new ResourceParser.Address(1, 0xD00, 0xFFFF, 0xF300), crs);
        Assert.Contains(new ResourceParser.Address(0, MemoryLayout.PciMmio32Start, MemoryLayout.PciMmio32Start + MemoryLayout.PciMmio32Size - 1, MemoryLayout.PciMmio32Size), crs);
        Assert.Contains(new ResourceParser.Address(0, 0x10_0000_0000, 0x10_3FFF_FFFF, 0x4000_0000), crs);
    }

    [Fact]
    public void Host_bridge_crs_has_no_64_bit_window_when_none_is_given()
    {
        var crs = ResourceParser.Parse(Assert.IsType<AmlBuffer>(Assert.Single(AmlTestParser.ParseTermList(
            Dsdt.HostBridgeResources(new AcpiMachineDescription(1, 64 << 20))))).Data);
        Assert.DoesNotContain(crs, r => r is ResourceParser.Address { Type: 0 } a && a.Minimum >= MemoryLayout.HighRamStart);
    }

    [Fact]
    public void Host_bridge_rejects_a_64_bit_window_below_4_GiB() =>
        Assert.Throws<ArgumentException>(() => Dsdt.HostBridgeResources(
            new AcpiMachineDescription(1, 64 << 20) { HighMmioBase = 0x8000_0000, HighMmioSize = 0x1000 }));

    [Fact]
    public void Prt_routes_every_pin_of_slots_1_to_31_as_PciInterruptRouting_says()
    {
        var prt = Assert.IsType<AmlPackage>(Assert.Single(AmlTestParser.ParseTermList(Dsdt.RoutingTable())));
        Assert.Equal(31 * 4, prt.Elements.Count);
        var seen = new HashSet<(int, int)>();
        foreach (var element in prt.Elements)
        {
            var entry = Assert.IsType<AmlPackage>(element);
            Assert.Equal(4, entry.Elements.Count);
            ulong address = Assert.IsType<AmlInteger>(entry.Elements[0]).Value;
            Assert.Equal(0xFFFFUL, address & 0xFFFF);
            int slot = (int)(address >> 16);
            int pin = (int)Assert.IsType<AmlInteger>(entry.Elements[1]).Value;
            Assert.Equal(0UL, Assert.IsType<AmlInteger>(entry.Elements[2]).Value);
            Assert.Equal((ulong)PciInterruptRouting.GsiFor(slot, pin), Assert.IsType<AmlInteger>(entry.Elements[3]).Value);
            Assert.True(seen.Add((slot, pin)));
        }
        Assert.Equal(Enumerable.Range(1, 31).SelectMany(s => Enumerable.Range(0, 4).Select(p => (s, p))).ToHashSet(), seen);
    }

    [Fact]
    public void Dsdt_without_com1_omits_the_device()
    {
        var aml = Dsdt.BuildAml(new AcpiMachineDescription(1, 64 << 20) { HasCom1 = false });
        var scope = SystemBus(AmlTestParser.ParseTermList(aml));
        Assert.DoesNotContain(scope.Terms.OfType<AmlDevice>(), d => d.Name == "COM1");
    }

    [Fact]
    public void Fadt_publishes_the_sleep_and_reset_registers_as_byte_wide_io_ports()
    {
        var (memory, layout) = Write(new AcpiMachineDescription(1, 64 << 20));
        var fadt = TablesViaXsdt(memory, layout.Rsdp)["FACP"];
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(fadt.AsSpan(112));
        Assert.NotEqual(0u, flags & (1u << 10));                                      // RESET_REG_SUP
        AssertByteIoRegister(fadt.AsSpan(116), AcpiPowerRegisters.Port + AcpiPowerRegisters.ResetOffset);
        Assert.Equal(AcpiPowerRegisters.ResetValue, fadt[128]);
        AssertByteIoRegister(fadt.AsSpan(244), AcpiPowerRegisters.Port + AcpiPowerRegisters.SleepControlOffset);
        AssertByteIoRegister(fadt.AsSpan(256), AcpiPowerRegisters.Port + AcpiPowerRegisters.SleepStatusOffset);
    }

    private static void AssertByteIoRegister(ReadOnlySpan<byte> gas, int port)
    {
        Assert.Equal(1, gas[0]);    // SystemIO
        Assert.Equal(8, gas[1]);    // bit width
        Assert.Equal(0, gas[2]);    // bit offset
        Assert.Equal(1, gas[3]);    // byte access
        Assert.Equal((ulong)port, BinaryPrimitives.ReadUInt64LittleEndian(gas[4..]));
    }

    [Fact]
    public void Dsdt_declares_S5_with_the_sleep_type_the_power_device_takes()
    {
        var terms = AmlTestParser.ParseTermList(Dsdt.BuildAml(new AcpiMachineDescription(1, 64 << 20)));
        var s5 = Assert.Single(terms.OfType<AmlName>(), n => n.Name == "\\_S5");
        var package = Assert.IsType<AmlPackage>(s5.Value);
        Assert.Equal((ulong)AcpiPowerRegisters.S5SleepType, Assert.IsType<AmlInteger>(package.Elements[0]).Value);
    }

    [Fact]
    public void Dsdt_has_a_power_button_and_a_generic_event_device_whose_evt_notifies_it()
    {
        var scope = SystemBus(AmlTestParser.ParseTermList(Dsdt.BuildAml(new AcpiMachineDescription(1, 64 << 20))));
        var devices = scope.Terms.OfType<AmlDevice>().ToDictionary(d => d.Name);
        Assert.Equal(AmlWriter.EisaId("PNP0C0C")[1..], EisaBytes(Names(devices["PWRB"])["_HID"]));

        var ged = devices["GED"];
        Assert.Equal("ACPI0013", Assert.IsType<AmlString>(Names(ged)["_HID"]).Value);
        var crs = ResourceParser.Parse(Assert.IsType<AmlBuffer>(Names(ged)["_CRS"]).Data);
        var irq = Assert.IsType<ResourceParser.ExtendedInterrupt>(Assert.Single(crs));
        Assert.Equal(AcpiPowerRegisters.GedGsi, irq.Gsi);
        Assert.Equal(0x01, irq.Flags);  // consumer, level, active high, exclusive

        var region = Assert.Single(ged.Terms.OfType<AmlOpRegion>());
        Assert.Equal(AmlWriter.RegionSpaceSystemIo, region.Space);
        Assert.Equal((ulong)(AcpiPowerRegisters.Port + AcpiPowerRegisters.GedEventOffset), Assert.IsType<AmlInteger>(region.Offset).Value);
        Assert.Equal(1UL, Assert.IsType<AmlInteger>(region.Length).Value);
        var field = Assert.Single(ged.Terms.OfType<AmlField>());
        Assert.Equal(region.Name, field.Region);
        Assert.Equal([("GDAT", 8)], field.Fields);

        // _EVT(1): Local0 = GDAT; If (Local0 & 1) { Notify (\_SB.PWRB, 0x80) }
        var evt = Assert.Single(ged.Terms.OfType<AmlMethod>(), m => m.Name == "_EVT");
        Assert.Equal(1, evt.Flags & 7);
        Assert.Equal(new AmlStore(new AmlNameRef("GDAT"), new AmlLocal(0)), evt.Terms[0]);
        var test = Assert.IsType<AmlIf>(evt.Terms[1]);
        var and = Assert.IsType<AmlAnd>(test.Predicate);
        Assert.Equal(new AmlLocal(0), and.Left);
        Assert.Equal((ulong)AcpiPowerRegisters.GedPowerButton, Assert.IsType<AmlInteger>(and.Right).Value);
        var notify = Assert.IsType<AmlNotify>(Assert.Single(test.Terms));
        Assert.Equal(new AmlNameRef("\\_SB.PWRB"), notify.Target);
        Assert.Equal(0x80UL, Assert.IsType<AmlInteger>(notify.Value).Value);
    }

    [Fact]
    public void Motherboard_resources_reserve_the_power_ports()
    {
        var scope = SystemBus(AmlTestParser.ParseTermList(Dsdt.BuildAml(new AcpiMachineDescription(1, 64 << 20))));
        var mres = scope.Terms.OfType<AmlDevice>().Single(d => d.Name == "MRES");
        var resources = ResourceParser.Parse(Assert.IsType<AmlBuffer>(Names(mres)["_CRS"]).Data);
        Assert.Contains(new ResourceParser.Io(AcpiPowerRegisters.Port, AcpiPowerRegisters.Port, AcpiPowerRegisters.Length), resources);
    }

    private static AmlScope SystemBus(IReadOnlyList<AmlNode> terms)
    {
        var scope = Assert.Single(terms.OfType<AmlScope>());
        Assert.Equal("\\_SB", scope.Name);
        return scope;
    }

    private static Dictionary<string, AmlNode> Names(AmlDevice device) =>
        device.Terms.OfType<AmlName>().ToDictionary(n => n.Name, n => n.Value);

    private static byte[] EisaBytes(AmlNode node)
    {
        uint v = (uint)Assert.IsType<AmlInteger>(node).Value;
        return BitConverter.GetBytes(v);
    }
}
