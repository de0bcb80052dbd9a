using PSVmm.Engine.Memory;
using PSVmm.Engine.Platform;

namespace PSVmm.Engine.Boot;

/// <summary>
/// Identity page tables for the 64-bit boot entry: one PML4 entry, one PDPT with four entries,
/// four page directories of 2 MiB pages, mapping [0, 4 GiB) (Intel SDM Vol. 3A §4.5, Table 4-17
/// for a PDE that maps a 2 MiB page: PS = bit 7). The Linux 64-bit boot protocol requires the
/// kernel, boot_params and the command line to be identity mapped.
/// </summary>
public static class IdentityPageTables
{
    private const ulong Present = 1;
    private const ulong Writable = 2;
    private const ulong PageSize = 0x80;
    public const int PageDirectories = 4;
    public const ulong MappedBytes = PageDirectories * 512UL * 0x20_0000;

    /// <summary>Writes the tables and returns the CR3 value.</summary>
    public static ulong Write(IGuestMemory memory)
    {
        var page = new byte[4096];
        BitConverter.TryWriteBytes(page, MemoryLayout.PdptAddress | Present | Writable);
        memory.Write(MemoryLayout.Pml4Address, page);

        Array.Clear(page);
        for (int i = 0; i < PageDirectories; i++)
            BitConverter.TryWriteBytes(page.AsSpan(i * 8), MemoryLayout.PageDirectoryAddress + (ulong)i * 4096 | Present | Writable);
        memory.Write(MemoryLayout.PdptAddress, page);

        for (int d = 0; d < PageDirectories; d++)
        {
            for (int i = 0; i < 512; i++)
            {
                ulong physical = ((ulong)d * 512 + (ulong)i) * 0x20_0000;
                BitConverter.TryWriteBytes(page.AsSpan(i * 8), physical | Present | Writable | PageSize);
            }
            memory.Write(MemoryLayout.PageDirectoryAddress + (ulong)d * 4096, page);
        }
        return MemoryLayout.Pml4Address;
    }
}
