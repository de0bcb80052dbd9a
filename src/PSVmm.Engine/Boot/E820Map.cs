using PSVmm.Engine.Platform;

namespace PSVmm.Engine.Boot;

/// <summary>
/// E820 address range types (ACPI 6.5 §15.1, "Address Range Types"). The PVH
/// memory map (hvm_memmap_table_entry, XEN_HVM_MEMMAP_TYPE_*) uses the same numbers.
/// </summary>
public enum E820Type : uint
{
    Ram = 1,
    Reserved = 2,
    Acpi = 3,
    Nvs = 4,
    Unusable = 5,
}

/// <summary>One e820 entry: [Address, Address + Size) of <see cref="Type"/>.</summary>
public readonly record struct E820Entry(ulong Address, ulong Size, E820Type Type)
{
    public ulong End => Address + Size;

    /// <summary>Size of the packed boot_params.e820_table element (struct boot_e820_entry).</summary>
    public const int EncodedSize = 20;
}

/// <summary>
/// The guest's physical memory map as the firmware would report it. Linux reads it from
/// boot_params.e820_table (bzImage / vmlinux 64-bit boot) or hvm_start_info.memmap_paddr (PVH).
/// </summary>
public static class E820Map
{
    /// <summary>boot_params holds at most 128 entries (E820_MAX_ENTRIES_ZEROPAGE).</summary>
    public const int MaxZeroPageEntries = 128;

    /// <summary>
    /// RAM [0, EBDA); the EBDA, the legacy VGA/ROM area and the BIOS area holding the ACPI
    /// tables and the MP table reserved up to 1 MiB; RAM from 1 MiB up to the MMIO hole; the
    /// ECAM window reserved (Linux accepts MCFG only when ECAM is reserved in e820 or by an
    /// ACPI motherboard resource); the remaining RAM from 4 GiB.
    /// </summary>
    public static IReadOnlyList<E820Entry> Build(ulong memoryBytes)
    {
        if (memoryBytes < MemoryLayout.KernelLoadAddress)
            throw new ArgumentOutOfRangeException(nameof(memoryBytes), "The guest needs at least 1 MiB of RAM.");
        var entries = new List<E820Entry>
        {
            new(0, MemoryLayout.EbdaStart, E820Type.Ram),
            new(MemoryLayout.EbdaStart, MemoryLayout.KernelLoadAddress - MemoryLayout.EbdaStart, E820Type.Reserved),
        };
        ulong lowEnd = Math.Min(memoryBytes, MemoryLayout.MmioHoleStart);
        if (lowEnd > MemoryLayout.KernelLoadAddress)
            entries.Add(new(MemoryLayout.KernelLoadAddress, lowEnd - MemoryLayout.KernelLoadAddress, E820Type.Ram));
        entries.Add(new(MemoryLayout.EcamAddress, MemoryLayout.EcamSize, E820Type.Reserved));
        if (memoryBytes > MemoryLayout.MmioHoleStart)
            entries.Add(new(MemoryLayout.HighRamStart, memoryBytes - MemoryLayout.MmioHoleStart, E820Type.Ram));
        return entries;
    }

    /// <summary>The highest usable RAM address below the MMIO hole (exclusive).</summary>
    public static ulong LowRamEnd(ulong memoryBytes) => Math.Min(memoryBytes, MemoryLayout.MmioHoleStart);
}
