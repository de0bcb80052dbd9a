using System.Buffers.Binary;

namespace PSVmm.Tests.Machine;

/// <summary>
/// Builds small Multiboot ELF32 images for tests: file offset 0 is loaded at <see cref="LoadAddress"/>,
/// so a payload byte at file offset N sits at guest-physical LoadAddress + N.
/// </summary>
internal sealed class MultibootImage
{
    public const uint LoadAddress = 0x10_0000;
    public const int HeaderOffset = 84;     // right after the ELF header (52) and one program header (32)
    public const int PayloadStart = 0x100;

    private readonly byte[] _file;

    public MultibootImage(int size = 0x1000) => _file = new byte[size];

    public static uint Address(int offset) => LoadAddress + (uint)offset;

    public MultibootImage Put(int offset, params byte[] bytes)
    {
        bytes.CopyTo(_file, offset);
        return this;
    }

    public byte[] Build(int entryOffset, uint flags = 0, bool validChecksum = true, uint memSize = 0, uint machine = 3)
    {
        var f = (byte[])_file.Clone();
        // ELF32 header (System V ABI).
        f[0] = 0x7F; f[1] = (byte)'E'; f[2] = (byte)'L'; f[3] = (byte)'F';
        f[4] = 1; f[5] = 1; f[6] = 1;
        W16(f, 16, 2);                         // ET_EXEC
        W16(f, 18, (ushort)machine);
        W32(f, 20, 1);
        W32(f, 24, Address(entryOffset));      // e_entry
        W32(f, 28, 52);                        // e_phoff
        W16(f, 40, 52);                        // e_ehsize
        W16(f, 42, 32);                        // e_phentsize
        W16(f, 44, 1);                         // e_phnum
        // PT_LOAD covering the whole file.
        W32(f, 52, 1);
        W32(f, 56, 0);
        W32(f, 60, LoadAddress);
        W32(f, 64, LoadAddress);
        W32(f, 68, (uint)f.Length);
        W32(f, 72, Math.Max(memSize, (uint)f.Length));
        W32(f, 76, 7);
        W32(f, 80, 0x1000);
        // Multiboot header.
        W32(f, HeaderOffset, 0x1BADB002);
        W32(f, HeaderOffset + 4, flags);
        W32(f, HeaderOffset + 8, unchecked(0u - 0x1BADB002u - flags + (validChecksum ? 0u : 1u)));
        return f;
    }

    private static void W16(byte[] f, int o, ushort v) => BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(o), v);

    private static void W32(byte[] f, int o, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(o), v);
}
