using System.Buffers.Binary;

namespace PSVmm.Engine.Boot.Acpi;

/// <summary>Extended System Description Table (ACPI 6.5 §5.2.8): the header then 64-bit table addresses.</summary>
public static class Xsdt
{
    public static byte[] Build(IReadOnlyList<ulong> tableAddresses)
    {
        var body = new byte[tableAddresses.Count * 8];
        for (int i = 0; i < tableAddresses.Count; i++)
            BinaryPrimitives.WriteUInt64LittleEndian(body.AsSpan(i * 8), tableAddresses[i]);
        return AcpiTable.Build("XSDT", 1, body);
    }

    public static int SizeFor(int tableCount) => AcpiTable.HeaderSize + tableCount * 8;
}
