using PSVmm.Engine.Platform;
using static PSVmm.Engine.Boot.Acpi.AmlWriter;

namespace PSVmm.Engine.Boot.Acpi;

/// <summary>
/// Differentiated System Description Table (ACPI 6.5 §5.2.11.1): revision 2, so AML integers are
/// 64 bits wide. It declares:
/// <list type="bullet">
/// <item>\_SB.PCI0, the PCI Express host bridge (§6.1.5 _HID PNP0A08 with _CID PNP0A03; §6.5.6 _SEG, §6.5.5 _BBN):
/// its _CRS (§6.2.2) produces bus numbers 0-255, consumes ports 0xCF8-0xCFF, produces the I/O windows
/// around them, the 32-bit memory window and, when given, the 64-bit window; Linux refuses BARs
/// outside these windows. Its _PRT (§6.2.13) maps INTx of slots 1-31 per <see cref="PciInterruptRouting"/>.</item>
/// <item>\_SB.MRES, a motherboard resource (PNP0C02) reserving the ECAM window, which Linux checks
/// before trusting the MCFG table.</item>
/// <item>\_SB.COM1, a 16550 UART (PNP0501) at 0x3F8, ISA IRQ 4.</item>
/// <item>\_S5, the soft-off sleep type (§7.4.2) for the FADT's sleep control register.</item>
/// <item>\_SB.PWRB, the control-method power button (§4.8.2.2.1.2, PNP0C0C), and \_SB.GED_, a Generic
/// Event Device (§5.6.9, ACPI0013) whose interrupt runs _EVT, which reads the event selector and
/// notifies PWRB (0x80, §5.6.6) for a power-button press.</item>
/// </list>
/// </summary>
public static class Dsdt
{
    public const byte Revision = 2;

    public static byte[] Build(AcpiMachineDescription machine) =>
        AcpiTable.Build("DSDT", Revision, BuildAml(machine));

    /// <summary>The AML definition block body (the table without its header).</summary>
    public static byte[] BuildAml(AcpiMachineDescription machine)
    {
        var devices = new List<byte[]> { PciHostBridge(machine), MotherboardResources() };
        if (machine.HasCom1)
            devices.Add(Com1());
        devices.Add(PowerButton());
        devices.Add(GenericEventDevice());
        return Concat([SoftOffSleepType(), Scope("\\_SB", devices.ToArray())]);
    }

    private static byte[] PciHostBridge(AcpiMachineDescription machine) =>
        Device("PCI0",
            Name("_HID", EisaId("PNP0A08")),
            Name("_CID", EisaId("PNP0A03")),
            Name("_SEG", Integer(0)),
            Name("_BBN", Integer(0)),
            Name("_UID", Integer(0)),
            Method("_STA", 0, false, Return(Integer(0x0F))),
            Name("_CRS", HostBridgeResources(machine)),
            Name("_PRT", RoutingTable()));

    public static byte[] HostBridgeResources(AcpiMachineDescription machine)
    {
        ulong mmio32End = MemoryLayout.PciMmio32Start + MemoryLayout.PciMmio32Size - 1;
        var crs = new AmlResourceTemplate()
            .WordBusNumber(0x00, 0xFF)
            .Io(MemoryLayout.PciConfigAddressPort, MemoryLayout.PciConfigAddressPort, 1, 8)
            .WordIo(0x0000, MemoryLayout.PciConfigAddressPort - 1)
            .WordIo(0x0D00, 0xFFFF)
            .DWordMemory(AmlResourceTemplate.MemoryReadWriteNonCacheable, (uint)MemoryLayout.PciMmio32Start, (uint)mmio32End);
        if (machine.HighMmioSize != 0)
        {
            if (machine.HighMmioBase < MemoryLayout.HighRamStart || machine.HighMmioSize > ulong.MaxValue - machine.HighMmioBase)
                throw new ArgumentException("The 64-bit PCI window must lie above 4 GiB and must not wrap.", nameof(machine));
            crs.QWordMemory(AmlResourceTemplate.MemoryReadWriteCacheable, machine.HighMmioBase, machine.HighMmioBase + machine.HighMmioSize - 1);
        }
        return crs.ToAml();
    }

    /// <summary>_PRT entries (§6.2.13): Package { Address = slot &lt;&lt; 16 | 0xFFFF, Pin, Source = 0, Source Index = GSI }.</summary>
    public static byte[] RoutingTable()
    {
        var entries = new List<byte[]>();
        for (int slot = PciInterruptRouting.FirstSlot; slot <= PciInterruptRouting.LastSlot; slot++)
        {
            for (int pin = 0; pin < 4; pin++)
            {
                entries.Add(Package(
                    Integer(((ulong)slot << 16) | 0xFFFF),
                    Integer((ulong)pin),
                    Integer(0),
                    Integer(PciInterruptRouting.GsiFor(slot, pin))));
            }
        }
        return Package(entries.ToArray());
    }

    private static byte[] MotherboardResources() =>
        Device("MRES",
            Name("_HID", EisaId("PNP0C02")),
            Name("_UID", Integer(0)),
            Name("_CRS", new AmlResourceTemplate()
                .Memory32Fixed(true, (uint)MemoryLayout.EcamAddress, (uint)MemoryLayout.EcamSize)
                .Io(AcpiPowerRegisters.Port, AcpiPowerRegisters.Port, 1, AcpiPowerRegisters.Length)
                .ToAml()));

    // \_S5: Package { SLP_TYPa, SLP_TYPb }; hardware-reduced platforms use SLP_TYPa only.
    private static byte[] SoftOffSleepType() =>
        Name("\\_S5", Package(Integer(AcpiPowerRegisters.S5SleepType), Integer(0)));

    private static byte[] PowerButton() =>
        Device("PWRB",
            Name("_HID", EisaId("PNP0C0C")),
            Name("_UID", Integer(0)));

    private static byte[] GenericEventDevice() =>
        Device("GED",
            Name("_HID", String("ACPI0013")),
            Name("_UID", Integer(0)),
            Name("_CRS", new AmlResourceTemplate()
                .Interrupt(AcpiPowerRegisters.GedGsi, edge: false, activeLow: false, shared: false)
                .ToAml()),
            OperationRegion("GDST", RegionSpaceSystemIo, AcpiPowerRegisters.Port + AcpiPowerRegisters.GedEventOffset, 1),
            Field("GDST", ("GDAT", 8)),
            Method("_EVT", 1, true,
                Store(Path("GDAT"), Local(0)),
                If(And(Local(0), Integer(AcpiPowerRegisters.GedPowerButton)),
                    Notify("\\_SB.PWRB", 0x80))));

    private static byte[] Com1() =>
        Device("COM1",
            Name("_HID", EisaId("PNP0501")),
            Name("_UID", Integer(1)),
            Method("_STA", 0, false, Return(Integer(0x0F))),
            Name("_CRS", new AmlResourceTemplate()
                .Io(MemoryLayout.Com1Port, MemoryLayout.Com1Port, 1, 8)
                .IrqNoFlags((int)MemoryLayout.Com1Irq)
                .ToAml()));
}
