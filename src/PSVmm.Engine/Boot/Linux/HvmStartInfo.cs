using System.Buffers.Binary;

namespace PSVmm.Engine.Boot.Linux;

/// <summary>
/// The PVH boot structures (xen/include/public/arch-x86/hvm/start_info.h), all little-endian:
/// <code>
/// struct hvm_start_info {            // 56 bytes, version 1
///     u32 magic;            //  0: 0x336ec578
///     u32 version;          //  4: 1 (memmap fields present)
///     u32 flags;            //  8
///     u32 nr_modules;       // 12
///     u64 modlist_paddr;    // 16: array of hvm_modlist_entry
///     u64 cmdline_paddr;    // 24
///     u64 rsdp_paddr;       // 32
///     u64 memmap_paddr;     // 40: array of hvm_memmap_table_entry
///     u32 memmap_entries;   // 48
///     u32 reserved;         // 52
/// };
/// struct hvm_modlist_entry { u64 paddr, size, cmdline_paddr, reserved; };     // 32 bytes
/// struct hvm_memmap_table_entry { u64 addr, size; u32 type, reserved; };     // 24 bytes
/// </code>
/// The memory map types are the e820 types (XEN_HVM_MEMMAP_TYPE_RAM = 1, RESERVED = 2, ACPI = 3 ...).
/// </summary>
internal static class HvmStartInfo
{
    public const uint Magic = 0x336EC578;
    public const uint Version = 1;
    public const int StartInfoSize = 56;
    public const int ModlistEntrySize = 32;
    public const int MemmapEntrySize = 24;

    // Placement inside one 4 KiB page: start info, one module entry, up to 128 memmap entries.
    public const ulong ModlistOffset = 0x40;
    public const ulong MemmapOffset = 0x80;
    public const int MaxMemmapEntries = 128;
    public const int PageSize = 4096;

    /// <summary>The page to write at <paramref name="pageAddress"/>: start info, module list, memory map.</summary>
    public static byte[] Build(ulong pageAddress, ulong commandLine, ulong rsdp, IReadOnlyList<E820Entry> memmap, (ulong Address, ulong Size)? initrd)
    {
        if (memmap.Count > MaxMemmapEntries)
            throw new ArgumentException("Too many memory map entries.", nameof(memmap));
        var page = new byte[PageSize];
        var p = page.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(p, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(p[4..], Version);
        if (initrd is { } module)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(p[12..], 1);
            BinaryPrimitives.WriteUInt64LittleEndian(p[16..], pageAddress + ModlistOffset);
            var entry = p[(int)ModlistOffset..];
            BinaryPrimitives.WriteUInt64LittleEndian(entry, module.Address);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[8..], module.Size);
        }
        BinaryPrimitives.WriteUInt64LittleEndian(p[24..], commandLine);
        BinaryPrimitives.WriteUInt64LittleEndian(p[32..], rsdp);
        BinaryPrimitives.WriteUInt64LittleEndian(p[40..], pageAddress + MemmapOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(p[48..], (uint)memmap.Count);
        for (int i = 0; i < memmap.Count; i++)
        {
            var e = p[((int)MemmapOffset + i * MemmapEntrySize)..];
            BinaryPrimitives.WriteUInt64LittleEndian(e, memmap[i].Address);
            BinaryPrimitives.WriteUInt64LittleEndian(e[8..], memmap[i].Size);
            BinaryPrimitives.WriteUInt32LittleEndian(e[16..], (uint)memmap[i].Type);
        }
        return page;
    }
}
