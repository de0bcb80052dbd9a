using System.Buffers.Binary;

namespace PSVmm.Engine.Boot.Acpi;

/// <summary>
/// PCI Express memory mapped configuration table "MCFG" (PCI Firmware Specification 3.0 §4.1.2;
/// ACPI 6.5 §5.2.6 lists its signature): header, 8 reserved bytes, then one 16-byte
/// allocation per segment: base address (8), segment group (2), start bus (1), end bus (1), reserved (4).
/// </summary>
public static class Mcfg
{
    public const int Size = AcpiTable.HeaderSize + 8 + 16;

    public static byte[] Build(ulong ecamBase, ushort segment, byte startBus, byte endBus)
    {
        var body = new byte[8 + 16];
        BinaryPrimitives.WriteUInt64LittleEndian(body.AsSpan(8), ecamBase);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(16), segment);
        body[18] = startBus;
        body[19] = endBus;
        return AcpiTable.Build("MCFG", 1, body);
    }
}
