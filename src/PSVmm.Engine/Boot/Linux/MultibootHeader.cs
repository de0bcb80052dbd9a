using System.Buffers.Binary;

namespace PSVmm.Engine.Boot.Linux;

/// <summary>
/// Detects a Multiboot header so multiboot ELF images (the probe guest) are not taken for Linux.
/// Multiboot 0.6.96 §3.1.1: magic 0x1BADB002, 4-byte aligned in the first 8192 bytes, with
/// magic + flags + checksum = 0 (mod 2^32). Multiboot2 §3.1.1: magic 0xE85250D6, 8-byte aligned
/// in the first 32768 bytes, with magic + architecture + header_length + checksum = 0.
/// </summary>
internal static class MultibootHeader
{
    public const uint Multiboot1Magic = 0x1BADB002;
    public const uint Multiboot2Magic = 0xE85250D6;

    public static bool IsPresent(ReadOnlySpan<byte> file)
    {
        for (int i = 0; i + 12 <= Math.Min(file.Length, 8192); i += 4)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(file[i..]) != Multiboot1Magic)
                continue;
            uint flags = BinaryPrimitives.ReadUInt32LittleEndian(file[(i + 4)..]);
            uint checksum = BinaryPrimitives.ReadUInt32LittleEndian(file[(i + 8)..]);
            if (unchecked(Multiboot1Magic + flags + checksum) == 0)
                return true;
        }
        for (int i = 0; i + 16 <= Math.Min(file.Length, 32768); i += 8)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(file[i..]) != Multiboot2Magic)
                continue;
            uint arch = BinaryPrimitives.ReadUInt32LittleEndian(file[(i + 4)..]);
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(file[(i + 8)..]);
            uint checksum = BinaryPrimitives.ReadUInt32LittleEndian(file[(i + 12)..]);
            if (unchecked(Multiboot2Magic + arch + length + checksum) == 0)
                return true;
        }
        return false;
    }
}
