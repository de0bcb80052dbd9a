using System.Buffers.Binary;
using System.Text;
using PSVmm.Engine.Boot.Acpi;
using PSVmm.Engine.Memory;
using PSVmm.Engine.Platform;

namespace PSVmm.Engine.Boot;

/// <summary>Where the MP structures were written.</summary>
public sealed record MpTableLayout(ulong FloatingPointer, ulong ConfigurationTable, ulong End);

/// <summary>
/// Intel MultiProcessor Specification 1.4 tables, for kernels that boot with acpi=off and
/// CONFIG_X86_MPPARSE. The MP Floating Pointer Structure (§4.1) goes in the first kilobyte of the
/// EBDA, one of the places searched for it (§4); it points at the MP Configuration Table (§4.2),
/// which is too large for the EBDA and goes where the caller says (after the ACPI tables).
/// Entries (§4.3): one Processor per vCPU; bus 0 "PCI" (Linux matches the MP bus id with the PCI bus
/// number) and bus 1 "ISA"; the I/O APIC; I/O interrupt assignments for ISA IRQs 0-15 in the PC/AT
/// layout with the 8259 as ExtINT on INTIN0 and the timer (IRQ0) on INTIN2 (as the MADT's interrupt
/// source override says), and for INTA#-INTD# of PCI slots 1-31 as <see cref="PciInterruptRouting"/>
/// routes them (the same table as the DSDT's _PRT); local interrupts ExtINT → LINT0, NMI → LINT1.
/// </summary>
public static class MpTable
{
    public const int FloatingPointerSize = 16;
    public const int HeaderSize = 44;
    public const byte SpecRevision = 4; // 1.4

    // Entry types (§4.3) and sizes.
    public const byte EntryProcessor = 0, EntryBus = 1, EntryIoApic = 2, EntryIoInterrupt = 3, EntryLocalInterrupt = 4;
    public const byte InterruptInt = 0, InterruptNmi = 1, InterruptExtInt = 3;
    public const byte PciBusId = 0;
    public const byte IsaBusId = 1;

    /// <summary>I/O interrupt entry flags (§4.3.4): PO bits 1:0 = 11b active low, EL bits 3:2 = 11b level.</summary>
    public const ushort LevelActiveLow = 0x000F;

    private const int PciInterruptEntries = (PciInterruptRouting.LastSlot - PciInterruptRouting.FirstSlot + 1) * 4;

    public static int ConfigurationTableSize(int cpuCount) =>
        HeaderSize + 20 * cpuCount + 2 * 8 /* buses */ + 8 /* IOAPIC */ + (16 + PciInterruptEntries) * 8 + 2 * 8 /* LINT0/1 */;

    /// <summary>
    /// Writes the floating pointer at <see cref="MemoryLayout.EbdaStart"/> and the configuration table at
    /// <paramref name="configurationAddress"/> (rounded up to 16); throws when the table would pass <paramref name="limit"/>.
    /// </summary>
    public static MpTableLayout Write(IGuestMemory memory, int cpuCount, ulong configurationAddress, ulong limit)
    {
        var config = BuildConfigurationTable(cpuCount);
        ulong configAddress = (configurationAddress + 15) & ~15UL;
        if (configAddress > uint.MaxValue || configAddress + (ulong)config.Length > limit)
            throw new InvalidOperationException("The MP configuration table does not fit in the BIOS area.");
        memory.Write(MemoryLayout.EbdaStart, BuildFloatingPointer((uint)configAddress));
        memory.Write(configAddress, config);
        return new MpTableLayout(MemoryLayout.EbdaStart, configAddress, configAddress + (ulong)config.Length);
    }

    /// <summary>
    /// MP Floating Pointer Structure (§4.1): "_MP_", physical address of the configuration
    /// table, length 1 (16-byte units), revision 4, checksum, feature byte 1 = 0 (a configuration table
    /// is present), feature byte 2 bit 7 IMCRP = 0 (virtual wire mode, no IMCR).
    /// </summary>
    public static byte[] BuildFloatingPointer(uint configurationTableAddress)
    {
        var fp = new byte[FloatingPointerSize];
        Encoding.ASCII.GetBytes("_MP_", fp);
        BinaryPrimitives.WriteUInt32LittleEndian(fp.AsSpan(4), configurationTableAddress);
        fp[8] = 1;
        fp[9] = SpecRevision;
        fp[10] = AcpiTable.Checksum(fp);
        return fp;
    }

    /// <summary>MP Configuration Table (§4.2) with its base entries and checksum.</summary>
    public static byte[] BuildConfigurationTable(int cpuCount)
    {
        if (cpuCount < 1 || cpuCount > 254)
            throw new ArgumentOutOfRangeException(nameof(cpuCount));
        byte ioApicId = Madt.IoApicId(cpuCount);
        var table = new byte[ConfigurationTableSize(cpuCount)];
        var t = table.AsSpan();
        Encoding.ASCII.GetBytes("PCMP", t);
        BinaryPrimitives.WriteUInt16LittleEndian(t[4..], (ushort)table.Length);
        t[6] = SpecRevision;
        Encoding.ASCII.GetBytes("PSVMM   ", t[8..16]);
        Encoding.ASCII.GetBytes("PSVMM VM    ", t[16..28]);
        int entryCount = cpuCount + 2 + 1 + 16 + PciInterruptEntries + 2;
        BinaryPrimitives.WriteUInt16LittleEndian(t[34..], (ushort)entryCount);
        BinaryPrimitives.WriteUInt32LittleEndian(t[36..], (uint)MemoryLayout.LapicAddress);

        int pos = HeaderSize;
        for (int cpu = 0; cpu < cpuCount; cpu++)
        {
            // Processor entry (§4.3.1): APIC id, APIC version 0x14 (integrated),
            // flags EN (bit 0) and BP (bit 1) for the bootstrap processor, signature family 6,
            // feature flags FPU (bit 0) and APIC (bit 9) as CPUID.1:EDX reports them.
            t[pos] = EntryProcessor;
            t[pos + 1] = (byte)cpu;
            t[pos + 2] = 0x14;
            t[pos + 3] = (byte)(cpu == 0 ? 0x03 : 0x01);
            BinaryPrimitives.WriteUInt32LittleEndian(t[(pos + 4)..], 0x600);
            BinaryPrimitives.WriteUInt32LittleEndian(t[(pos + 8)..], 0x201);
            pos += 20;
        }
        // Bus entries (§4.3.2): bus id, 6-character bus type string, in bus id order.
        foreach (var (id, type) in new[] { (PciBusId, "PCI   "), (IsaBusId, "ISA   ") })
        {
            t[pos] = EntryBus;
            t[pos + 1] = id;
            Encoding.ASCII.GetBytes(type, t[(pos + 2)..(pos + 8)]);
            pos += 8;
        }
        // I/O APIC entry (§4.3.3): id, version 0x11, flags EN, address.
        t[pos] = EntryIoApic;
        t[pos + 1] = ioApicId;
        t[pos + 2] = 0x11;
        t[pos + 3] = 0x01;
        BinaryPrimitives.WriteUInt32LittleEndian(t[(pos + 4)..], (uint)MemoryLayout.IoApicAddress);
        pos += 8;
        // I/O interrupt assignments (§4.3.4); flags 0 = conforms to the bus (ISA: edge, high).
        foreach (var (type, irq, intin) in IsaInterruptAssignments())
        {
            WriteInterruptEntry(t[pos..], EntryIoInterrupt, type, 0, IsaBusId, irq, ioApicId, intin);
            pos += 8;
        }
        // PCI source bus IRQ (§4.3.4, Appendix D.3): bits 1:0 the pin (0 = INTA#), bits 6:2 the device.
        for (int slot = PciInterruptRouting.FirstSlot; slot <= PciInterruptRouting.LastSlot; slot++)
        {
            for (int pin = 0; pin < 4; pin++)
            {
                WriteInterruptEntry(t[pos..], EntryIoInterrupt, InterruptInt, LevelActiveLow, PciBusId,
                    (byte)(slot << 2 | pin), ioApicId, (byte)PciInterruptRouting.GsiFor(slot, pin));
                pos += 8;
            }
        }
        // Local interrupt assignments (§4.3.5): destination 0xFF = every local APIC.
        WriteInterruptEntry(t[pos..], EntryLocalInterrupt, InterruptExtInt, 0, IsaBusId, 0, 0xFF, 0);
        pos += 8;
        WriteInterruptEntry(t[pos..], EntryLocalInterrupt, InterruptNmi, 0, IsaBusId, 0, 0xFF, 1);
        pos += 8;

        t[7] = AcpiTable.Checksum(t);
        return table;
    }

    /// <summary>
    /// ISA IRQ → I/O APIC INTIN as on a PC/AT with an I/O APIC (MP spec §5.1 default configurations):
    /// the 8259 ExtINT on INTIN0, IRQ0 (PIT) on INTIN2, every other IRQ (1, 3-15) on its own pin.
    /// </summary>
    public static IEnumerable<(byte Type, byte Irq, byte Intin)> IsaInterruptAssignments()
    {
        yield return (InterruptExtInt, 0, 0);
        yield return (InterruptInt, 0, 2);
        yield return (InterruptInt, 1, 1);
        for (byte irq = 3; irq < 16; irq++)
            yield return (InterruptInt, irq, irq);
    }

    private static void WriteInterruptEntry(Span<byte> e, byte entryType, byte interruptType, ushort flags, byte bus, byte irq, byte destination, byte pin)
    {
        e[0] = entryType;
        e[1] = interruptType;
        BinaryPrimitives.WriteUInt16LittleEndian(e[2..], flags);
        e[4] = bus;
        e[5] = irq;
        e[6] = destination;
        e[7] = pin;
    }
}
