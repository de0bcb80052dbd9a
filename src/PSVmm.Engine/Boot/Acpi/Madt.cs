using PSVmm.Engine.Platform;

namespace PSVmm.Engine.Boot.Acpi;

/// <summary>
/// Multiple APIC Description Table (ACPI 6.5 §5.2.12): Local Interrupt Controller
/// Address, Flags (PCAT_COMPAT), then interrupt controller structures:
/// one Processor Local APIC per vCPU (§5.2.12.2, type 0, 8 bytes), the I/O APIC (§5.2.12.3,
/// type 1, 12 bytes), the ISA IRQ0 → GSI 2 Interrupt Source Override (§5.2.12.5, type 2, 10 bytes;
/// the PIT output is wired to IOAPIC pin 2 as on a PC) and a Local APIC NMI on LINT1 for every
/// processor (§5.2.12.7, type 4, 6 bytes).
/// </summary>
public static class Madt
{
    public const byte Revision = 5;
    public const uint PcatCompat = 1;
    public const byte TypeLocalApic = 0;
    public const byte TypeIoApic = 1;
    public const byte TypeInterruptSourceOverride = 2;
    public const byte TypeLocalApicNmi = 4;
    public const uint LocalApicEnabled = 1;
    public const byte AllProcessors = 0xFF;

    /// <summary>ISA IRQ 0 (PIT) arrives at this GSI. The machine's KVM GSI routing must route the PIT's IRQ 0 to IOAPIC pin 2 as well.</summary>
    public const uint TimerGsi = 2;

    /// <summary>The I/O APIC's id: one past the last local APIC id, so all APIC ids are distinct (Intel MP spec 1.4 §4.3.3).</summary>
    public static byte IoApicId(int cpuCount) => checked((byte)cpuCount);

    public static byte[] Build(int cpuCount)
    {
        if (cpuCount < 1 || cpuCount > 254)
            throw new ArgumentOutOfRangeException(nameof(cpuCount));
        var body = new List<byte>();
        void AddU32(uint v) { AddU16((ushort)v); AddU16((ushort)(v >> 16)); }
        void AddU16(ushort v) { body.Add((byte)v); body.Add((byte)(v >> 8)); }

        AddU32((uint)MemoryLayout.LapicAddress);
        AddU32(PcatCompat);
        for (int cpu = 0; cpu < cpuCount; cpu++)
        {
            // ACPI Processor UID = APIC ID = vCPU index.
            body.AddRange([TypeLocalApic, 8, (byte)cpu, (byte)cpu]);
            AddU32(LocalApicEnabled);
        }
        body.AddRange([TypeIoApic, 12, IoApicId(cpuCount), 0]);
        AddU32((uint)MemoryLayout.IoApicAddress);
        AddU32(0); // GSI base
        body.AddRange([TypeInterruptSourceOverride, 10, 0 /* ISA */, 0 /* IRQ0 */]);
        AddU32(TimerGsi);
        AddU16(0); // MPS INTI flags: conforms to the bus (edge, active high for ISA)
        body.AddRange([TypeLocalApicNmi, 6, AllProcessors]);
        AddU16(0);
        body.Add(1); // LINT1
        return AcpiTable.Build("APIC", Revision, body.ToArray());
    }
}
