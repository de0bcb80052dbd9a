using System.Buffers.Binary;

namespace PSVmm.Engine.Boot.Linux;

/// <summary>
/// An uncompressed x86_64 ELF vmlinux: its loadable segments at physical addresses, its 64-bit
/// entry (startup_64) as a physical address and, when the kernel was built with CONFIG_PVH, the
/// 32-bit PVH entry from the Xen ELF note XEN_ELFNOTE_PHYS32_ENTRY (type 18, name "Xen";
/// xen/include/public/elfnote.h), whose descriptor is the physical entry address (4 or 8 bytes).
/// </summary>
internal sealed class VmlinuxImage
{
    public const uint XenElfNotePhys32Entry = 18;

    /// <summary>__START_KERNEL_map: the x86_64 kernel maps physical 0 here (Documentation/arch/x86/x86_64/mm.rst).</summary>
    public const ulong StartKernelMap = 0xFFFF_FFFF_8000_0000;

    public required IReadOnlyList<ElfSegment> Segments { get; init; }
    public required ulong Entry64 { get; init; }
    public required uint? PvhEntry { get; init; }

    /// <summary>First byte after the highest segment.</summary>
    public ulong End => Segments.Max(s => s.PhysicalAddress + s.MemorySize);

    public static bool IsX86_64Elf(ReadOnlySpan<byte> file) =>
        ElfImage.HasElfMagic(file) && file.Length >= 20 && file[4] == 2
        && BinaryPrimitives.ReadUInt16LittleEndian(file[18..]) == ElfImage.MachineX86_64;

    public static VmlinuxImage Parse(ReadOnlyMemory<byte> file)
    {
        var elf = ElfImage.Parse(file);
        if (!elf.Is64Bit || elf.Machine != ElfImage.MachineX86_64)
            throw new InvalidDataException($"Not an x86_64 kernel: ELF class {(elf.Is64Bit ? 64 : 32)}, machine {elf.Machine}.");
        if (elf.LoadSegments.Count == 0)
            throw new InvalidDataException("The ELF kernel has no loadable segments.");

        var segments = elf.LoadSegments.Select(ToPhysical).ToList();
        foreach (var s in segments)
        {
            if (s.MemorySize > ulong.MaxValue - s.PhysicalAddress)
                throw new InvalidDataException($"ELF segment at 0x{s.PhysicalAddress:x} wraps around the address space.");
        }

        ulong entry = TranslateEntry(elf, segments);
        if (!segments.Any(s => entry >= s.PhysicalAddress && entry - s.PhysicalAddress < s.MemorySize))
            throw new InvalidDataException($"The ELF kernel's entry point 0x{elf.Entry:x} is not inside a loadable segment.");

        return new VmlinuxImage { Segments = segments, Entry64 = entry, PvhEntry = FindPvhEntry(elf) };
    }

    // Kernels link with physical load addresses in p_paddr; a p_paddr that is a kernel virtual
    // address is translated through __START_KERNEL_map.
    private static ElfSegment ToPhysical(ElfSegment s) =>
        s.PhysicalAddress >= StartKernelMap ? s with { PhysicalAddress = s.PhysicalAddress - StartKernelMap } : s;

    // x86_64 vmlinux links with ENTRY(phys_startup_64) (arch/x86/kernel/vmlinux.lds.S), so e_entry
    // is usually physical already; other images give a virtual e_entry, which is translated through
    // the segment containing it. A physical match wins for addresses below __START_KERNEL_map because
    // the per-CPU segment has virtual address 0 and would otherwise capture low entries.
    private static ulong TranslateEntry(ElfImage elf, List<ElfSegment> physical)
    {
        if (elf.Entry < StartKernelMap && physical.Any(s => elf.Entry >= s.PhysicalAddress && elf.Entry - s.PhysicalAddress < s.MemorySize))
            return elf.Entry;
        for (int i = 0; i < elf.LoadSegments.Count; i++)
        {
            var s = elf.LoadSegments[i];
            if (elf.Entry >= s.VirtualAddress && elf.Entry - s.VirtualAddress < s.MemorySize)
                return physical[i].PhysicalAddress + (elf.Entry - s.VirtualAddress);
        }
        return elf.Entry >= StartKernelMap ? elf.Entry - StartKernelMap : elf.Entry;
    }

    private static uint? FindPvhEntry(ElfImage elf)
    {
        foreach (var note in elf.Notes)
        {
            if (note.Name != "Xen" || note.Type != XenElfNotePhys32Entry)
                continue;
            var d = note.Descriptor.Span;
            ulong value = d.Length switch
            {
                4 => BinaryPrimitives.ReadUInt32LittleEndian(d),
                8 => BinaryPrimitives.ReadUInt64LittleEndian(d),
                _ => throw new InvalidDataException($"The Xen PHYS32_ENTRY note has a {d.Length}-byte descriptor (expected 4 or 8)."),
            };
            if (value > uint.MaxValue)
                throw new InvalidDataException($"The PVH entry 0x{value:x} is not a 32-bit physical address.");
            return (uint)value;
        }
        return null;
    }
}
