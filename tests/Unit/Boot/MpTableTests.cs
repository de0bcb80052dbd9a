using System.Buffers.Binary;
using System.Text;
using PSVmm.Engine.Boot;
using PSVmm.Engine.Boot.Acpi;
using PSVmm.Engine.Platform;
using PSVmm.Tests.TestDoubles;
using Xunit;

namespace PSVmm.Tests.Boot;

public class MpTableTests
{
    private static (ArrayGuestMemory, MpTableLayout) Write(int cpus, ulong configurationAddress = 0xF0000)
    {
        var memory = new ArrayGuestMemory(2 << 20);
        return (memory, MpTable.Write(memory, cpus, configurationAddress, MemoryLayout.AcpiTablesEnd));
    }

    [Fact]
    public void Floating_pointer_is_at_the_ebda_start_with_a_valid_checksum()
    {
        var (memory, layout) = Write(2);
        Assert.Equal(MemoryLayout.EbdaStart, layout.FloatingPointer);
        var fp = memory.ReadBytes(layout.FloatingPointer, 16);
        Assert.Equal("_MP_", Encoding.ASCII.GetString(fp, 0, 4));
        Assert.Equal((uint)layout.ConfigurationTable, BinaryPrimitives.ReadUInt32LittleEndian(fp.AsSpan(4)));
        Assert.Equal(1, fp[8]);
        Assert.Equal(4, fp[9]);
        Assert.Equal(0, fp[11]);
        Assert.True(AcpiTable.SumsToZero(fp));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(40)]
    [InlineData(64)]
    public void Configuration_table_lists_processors_bus_ioapic_and_isa_interrupts(int cpus)
    {
        var (memory, layout) = Write(cpus);
        var header = memory.ReadBytes(layout.ConfigurationTable, 44);
        Assert.Equal("PCMP", Encoding.ASCII.GetString(header, 0, 4));
        int length = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(4));
        var table = memory.ReadBytes(layout.ConfigurationTable, length);
        Assert.True(AcpiTable.SumsToZero(table));
        Assert.Equal(4, table[6]);
        Assert.Equal((uint)MemoryLayout.LapicAddress, BinaryPrimitives.ReadUInt32LittleEndian(table.AsSpan(36)));
        int count = BinaryPrimitives.ReadUInt16LittleEndian(table.AsSpan(34));

        var processors = new List<(byte Id, byte Flags)>();
        var buses = new List<(byte Id, string Type)>();
        var intins = new Dictionary<(byte Type, byte Irq), byte>();
        var pciRoutes = new Dictionary<(int Slot, int Pin), byte>();
        var lints = new List<(byte Type, byte Pin)>();
        byte? ioApicId = null;
        int pos = 44, entries = 0;
        while (pos < length)
        {
            entries++;
            switch (table[pos])
            {
                case 0: processors.Add((table[pos + 1], table[pos + 3])); pos += 20; break;
                case 1: buses.Add((table[pos + 1], Encoding.ASCII.GetString(table, pos + 2, 6))); pos += 8; break;
                case 2:
                    ioApicId = table[pos + 1];
                    Assert.Equal((uint)MemoryLayout.IoApicAddress, BinaryPrimitives.ReadUInt32LittleEndian(table.AsSpan(pos + 4)));
                    pos += 8;
                    break;
                case 3:
                    Assert.Equal(ioApicId, table[pos + 6]);
                    ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(table.AsSpan(pos + 2));
                    if (table[pos + 4] == MpTable.IsaBusId)
                    {
                        Assert.Equal(0, flags);
                        intins.Add((table[pos + 1], table[pos + 5]), table[pos + 7]);
                    }
                    else
                    {
                        Assert.Equal(MpTable.PciBusId, table[pos + 4]);
                        Assert.Equal(0x0F, flags);                      // level, active low
                        Assert.Equal(MpTable.InterruptInt, table[pos + 1]);
                        pciRoutes.Add((table[pos + 5] >> 2, table[pos + 5] & 3), table[pos + 7]);
                    }
                    pos += 8;
                    break;
                case 4: lints.Add((table[pos + 1], table[pos + 7])); Assert.Equal(0xFF, table[pos + 6]); pos += 8; break;
                default: Assert.Fail($"unknown entry type {table[pos]}"); break;
            }
        }
        Assert.Equal(length, pos);
        Assert.Equal(count, entries);
        Assert.Equal(Enumerable.Range(0, cpus).Select(i => (byte)i), processors.Select(p => p.Id));
        Assert.Equal(0x03, processors[0].Flags);   // enabled, bootstrap
        Assert.All(processors.Skip(1), p => Assert.Equal(0x01, p.Flags));
        Assert.Equal([(MpTable.PciBusId, "PCI   "), (MpTable.IsaBusId, "ISA   ")], buses);
        Assert.Equal(Madt.IoApicId(cpus), ioApicId);
        Assert.Equal(31 * 4, pciRoutes.Count);
        foreach (var ((slot, pin), intin) in pciRoutes)
            Assert.Equal(PciInterruptRouting.GsiFor(slot, pin), intin);
        Assert.Equal(2, intins[(0, 0)]);          // IRQ0 → INTIN2, as the MADT override says
        Assert.Equal(0, intins[(3, 0)]);          // 8259 ExtINT on INTIN0
        foreach (byte irq in new byte[] { 1, 3, 4, 5, 8, 12, 14, 15 })
            Assert.Equal(irq, intins[(0, irq)]);
        Assert.Equal(16, intins.Count);
        Assert.Equal([(MpTable.InterruptExtInt, (byte)0), (MpTable.InterruptNmi, (byte)1)], lints);
    }

    [Fact]
    public void Configuration_table_goes_16_byte_aligned_at_the_given_address()
    {
        var (_, layout) = Write(64, configurationAddress: 0xE1234);
        Assert.Equal(0xE1240UL, layout.ConfigurationTable);
        Assert.Equal(0xE1240UL + (ulong)MpTable.ConfigurationTableSize(64), layout.End);
    }

    [Fact]
    public void Overflow_past_the_limit_is_refused()
    {
        var memory = new ArrayGuestMemory(2 << 20);
        Assert.Throws<InvalidOperationException>(() => MpTable.Write(memory, 64, 0xFFF00, MemoryLayout.AcpiTablesEnd));
    }
}
