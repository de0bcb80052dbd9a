using System.Buffers.Binary;
using System.Text;

namespace PSVmm.Engine.Boot.Acpi;

/// <summary>
/// System Description Table header and checksum (ACPI 6.5 §5.2.6): Signature(4),
/// Length(4), Revision(1), Checksum(1), OEMID(6), OEM Table ID(8), OEM Revision(4),
/// Creator ID(4), Creator Revision(4) = 36 bytes. All bytes of the table sum to zero.
/// </summary>
public static class AcpiTable
{
    public const int HeaderSize = 36;
    public const int LengthOffset = 4;
    public const int ChecksumOffset = 9;
    public const string OemId = "PSVMM ";
    public const string CreatorId = "PSVM";

    /// <summary>A complete table: header for <paramref name="signature"/> followed by <paramref name="body"/>, checksummed.</summary>
    public static byte[] Build(string signature, byte revision, ReadOnlySpan<byte> body)
    {
        if (signature.Length != 4)
            throw new ArgumentException("An ACPI signature has 4 characters.", nameof(signature));
        var table = new byte[HeaderSize + body.Length];
        var span = table.AsSpan();
        Encoding.ASCII.GetBytes(signature, span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[LengthOffset..], (uint)table.Length);
        span[8] = revision;
        Encoding.ASCII.GetBytes(OemId, span[10..16]);
        Encoding.ASCII.GetBytes("PSVM" + signature, span[16..24]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[24..], 1);
        Encoding.ASCII.GetBytes(CreatorId, span[28..32]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[32..], 1);
        body.CopyTo(span[HeaderSize..]);
        span[ChecksumOffset] = Checksum(span);
        return table;
    }

    /// <summary>The byte that makes the sum of <paramref name="data"/> (with that byte as zero) equal zero mod 256.</summary>
    public static byte Checksum(ReadOnlySpan<byte> data)
    {
        byte sum = 0;
        foreach (byte b in data)
            sum += b;
        return (byte)(0 - sum);
    }

    /// <summary>True when the bytes sum to zero mod 256.</summary>
    public static bool SumsToZero(ReadOnlySpan<byte> data) => Checksum(data) == 0;
}
