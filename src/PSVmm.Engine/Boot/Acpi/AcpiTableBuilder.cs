using PSVmm.Engine.Memory;
using PSVmm.Engine.Platform;

namespace PSVmm.Engine.Boot.Acpi;

/// <summary>Where the ACPI tables were written; <see cref="End"/> is the first byte after the last table.</summary>
public sealed record AcpiTablesLayout(ulong Rsdp, ulong Xsdt, ulong Fadt, ulong Madt, ulong Mcfg, ulong Dsdt, ulong End);

/// <summary>
/// Lays out and writes RSDP, XSDT, FADT, MADT, MCFG and DSDT in the BIOS area
/// [<see cref="MemoryLayout.AcpiTablesAddress"/>, <see cref="MemoryLayout.AcpiTablesEnd"/>).
/// The RSDP comes first on a 16-byte boundary so a search of 0xE0000-0xFFFFF finds it
/// (ACPI 6.5 §5.2.5.1); the tables follow, each 16-byte aligned.
/// </summary>
public static class AcpiTableBuilder
{
    public static AcpiTablesLayout Write(IGuestMemory memory, AcpiMachineDescription machine)
    {
        ulong start = MemoryLayout.AcpiTablesAddress;
        var dsdt = Dsdt.Build(machine);
        var madt = Madt.Build(machine.CpuCount);
        var mcfg = Mcfg.Build(MemoryLayout.EcamAddress, 0, 0, 0xFF);

        ulong rsdpAddr = start;
        ulong xsdtAddr = Align16(rsdpAddr + Rsdp.Size);
        ulong fadtAddr = Align16(xsdtAddr + (ulong)Xsdt.SizeFor(3));
        ulong madtAddr = Align16(fadtAddr + Fadt.Size);
        ulong mcfgAddr = Align16(madtAddr + (ulong)madt.Length);
        ulong dsdtAddr = Align16(mcfgAddr + (ulong)mcfg.Length);
        ulong end = dsdtAddr + (ulong)dsdt.Length;
        if (end > MemoryLayout.AcpiTablesEnd)
            throw new InvalidOperationException($"The ACPI tables need {end - start} bytes, more than the BIOS area holds.");

        memory.Write(rsdpAddr, Rsdp.Build(xsdtAddr));
        memory.Write(xsdtAddr, Xsdt.Build([fadtAddr, madtAddr, mcfgAddr]));
        memory.Write(fadtAddr, Fadt.Build(dsdtAddr));
        memory.Write(madtAddr, madt);
        memory.Write(mcfgAddr, mcfg);
        memory.Write(dsdtAddr, dsdt);
        return new AcpiTablesLayout(rsdpAddr, xsdtAddr, fadtAddr, madtAddr, mcfgAddr, dsdtAddr, end);
    }

    private static ulong Align16(ulong value) => (value + 15) & ~15UL;
}
