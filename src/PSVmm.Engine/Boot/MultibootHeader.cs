using System.Buffers.Binary;

namespace PSVmm.Engine.Boot;

/// <summary>
/// The Multiboot (0.6.96) header: magic 0x1BADB002, flags, checksum with magic + flags +
/// checksum = 0 (mod 2^32), 4-byte aligned within the first 8192 bytes of the image (§3.1.1).
/// </summary>
public sealed record MultibootHeader(int Offset, uint Flags)
{
    public const uint Magic = 0x1BAD_B002;
    public const int SearchLength = 8192;

    /// <summary>Bits 0-15 are requirements a loader must meet or refuse the image (§3.1.2).</summary>
    public const uint FlagPageAlignModules = 1 << 0;
    public const uint FlagMemoryInfo = 1 << 1;
    public const uint FlagVideoMode = 1 << 2;
    public const uint FlagAddressFields = 1 << 16;

    /// <summary>Requirement bits this loader can meet: aligned modules (it loads none) and memory info; a video mode request is a preference a text console satisfies.</summary>
    public const uint SupportedRequirements = FlagPageAlignModules | FlagMemoryInfo | FlagVideoMode;

    /// <summary>Requirement bits (0-15) the image sets that this loader cannot meet.</summary>
    public uint UnsupportedRequirements => Flags & 0xFFFF & ~SupportedRequirements;

    /// <summary>Finds the first valid header; null when there is none (a wrong checksum is no header).</summary>
    public static MultibootHeader? Find(ReadOnlySpan<byte> image)
    {
        int limit = Math.Min(image.Length, SearchLength);
        for (int offset = 0; offset + 12 <= limit; offset += 4)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(image[offset..]) != Magic)
                continue;
            uint flags = BinaryPrimitives.ReadUInt32LittleEndian(image[(offset + 4)..]);
            uint checksum = BinaryPrimitives.ReadUInt32LittleEndian(image[(offset + 8)..]);
            if (unchecked(Magic + flags + checksum) == 0)
                return new MultibootHeader(offset, flags);
        }
        return null;
    }
}
