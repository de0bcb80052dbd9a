using System.Buffers.Binary;
using System.Text;

namespace PSVmm.Engine.Boot.Acpi;

/// <summary>
/// Root System Description Pointer, revision 2 (ACPI 6.5 §5.2.5.3): "RSD PTR ",
/// Checksum over the first 20 bytes, OEMID, Revision = 2, RsdtAddress (0: none, the XSDT is
/// used), Length = 36, XsdtAddress, Extended Checksum over all 36 bytes, 3 reserved bytes.
/// It must sit on a 16-byte boundary (§5.2.5.1) for operating systems that search for it.
/// </summary>
public static class Rsdp
{
    public const int Size = 36;
    public const string Signature = "RSD PTR ";

    public static byte[] Build(ulong xsdtAddress)
    {
        var rsdp = new byte[Size];
        var span = rsdp.AsSpan();
        Encoding.ASCII.GetBytes(Signature, span);
        Encoding.ASCII.GetBytes(AcpiTable.OemId, span[9..15]);
        span[15] = 2;
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], Size);
        BinaryPrimitives.WriteUInt64LittleEndian(span[24..], xsdtAddress);
        span[8] = AcpiTable.Checksum(span[..20]);
        span[32] = AcpiTable.Checksum(span);
        return rsdp;
    }
}
