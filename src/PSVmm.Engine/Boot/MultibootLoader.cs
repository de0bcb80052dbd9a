using System.Buffers.Binary;
using System.Text;
using PSVmm.Engine.Memory;
using PSVmm.Engine.Platform;

namespace PSVmm.Engine.Boot;

/// <summary>
/// Loads a Multiboot ELF kernel (Multiboot 0.6.96): PT_LOAD segments at their physical
/// addresses, a boot information structure and the command line in low memory, and the
/// §3.2 machine state: 32-bit protected mode, EAX = 0x2BADB002, EBX = the info structure.
/// </summary>
public static class MultibootLoader
{
    public const uint BootloaderMagic = 0x2BAD_B002;

    // Boot information flags (§3.3).
    private const uint InfoMemory = 1 << 0;
    private const uint InfoCmdline = 1 << 2;
    private const uint InfoMemoryMap = 1 << 6;
    private const uint InfoLoaderName = 1 << 9;

    private const ulong InfoSize = 0x80;
    private const ulong MemoryMapOffset = 0x80;
    private const ulong LoaderNameOffset = 0x400;
    private const string LoaderName = "PSVmm";

    public static bool IsMultiboot(ReadOnlySpan<byte> image) => MultibootHeader.Find(image) is not null;

    /// <summary>Throws <see cref="InvalidDataException"/> for an image that is not a loadable Multiboot ELF.</summary>
    public static EntryState Load(IGuestMemory memory, ReadOnlyMemory<byte> image, string commandLine)
    {
        var header = MultibootHeader.Find(image.Span) ?? throw new InvalidDataException("No Multiboot header in the first 8 KiB.");
        if (header.UnsupportedRequirements != 0)
            throw new InvalidDataException($"The Multiboot header requires features 0x{header.UnsupportedRequirements:x} this loader does not provide.");
        if (!ElfImage.HasElfMagic(image.Span))
            throw new InvalidDataException("Only Multiboot kernels in ELF format are supported.");
        var elf = ElfImage.Parse(image);
        if (elf.Machine != ElfImage.MachineX86 && elf.Machine != ElfImage.MachineX86_64)
            throw new InvalidDataException($"ELF machine {elf.Machine} is not x86.");
        if (elf.LoadSegments.Count == 0)
            throw new InvalidDataException("The ELF image has no loadable segments.");

        ulong reservedStart = MemoryLayout.MultibootInfoAddress;
        ulong reservedEnd = MemoryLayout.CommandLineAddress + MemoryLayout.CommandLineMaxSize;
        foreach (var segment in elf.LoadSegments)
        {
            ulong start = segment.PhysicalAddress, size = segment.MemorySize;
            if (size == 0)
                continue;
            if (!memory.IsValidRange(start, size))
                throw new InvalidDataException($"ELF segment [0x{start:x}, +0x{size:x}) is not inside guest RAM.");
            if (start < reservedEnd && reservedStart < start + size)
                throw new InvalidDataException($"ELF segment [0x{start:x}, +0x{size:x}) overlaps the boot information at 0x{reservedStart:x}.");
        }
        foreach (var segment in elf.LoadSegments)
        {
            // An empty segment loads nothing; it was not checked above, so it may lie outside RAM.
            if (segment.MemorySize == 0)
                continue;
            memory.Write(segment.PhysicalAddress, segment.Data.Span);
            ulong rest = segment.MemorySize - (ulong)segment.Data.Length;
            if (rest > 0)
                Zero(memory, segment.PhysicalAddress + (ulong)segment.Data.Length, rest);
        }

        ulong entry = PhysicalEntry(elf);
        if (entry > uint.MaxValue)
            throw new InvalidDataException($"Entry point 0x{entry:x} is above 4 GiB.");

        ulong info = WriteBootInformation(memory, commandLine);
        return new EntryState(EntryMode.Protected32, entry) { Rax = BootloaderMagic, Rbx = info };
    }

    // The ELF entry is virtual; map it through the segment that holds it.
    private static ulong PhysicalEntry(ElfImage elf)
    {
        foreach (var s in elf.LoadSegments)
        {
            if (elf.Entry >= s.VirtualAddress && elf.Entry - s.VirtualAddress < s.MemorySize)
                return s.PhysicalAddress + (elf.Entry - s.VirtualAddress);
        }

        throw new InvalidDataException($"Entry point 0x{elf.Entry:x} lies in no loadable segment.");
    }

    /// <summary>Writes the §3.3 boot information structure, its memory map, loader name and command line; returns the structure's address.</summary>
    internal static ulong WriteBootInformation(IGuestMemory memory, string commandLine)
    {
        ulong info = MemoryLayout.MultibootInfoAddress;
        var cmdline = Encoding.UTF8.GetBytes(commandLine + "\0");
        if ((ulong)cmdline.Length > MemoryLayout.CommandLineMaxSize)
            throw new InvalidDataException($"The command line is longer than {MemoryLayout.CommandLineMaxSize - 1} bytes.");
        memory.Write(MemoryLayout.CommandLineAddress, cmdline);

        var map = BuildMemoryMap(memory.Regions);
        memory.Write(info + MemoryMapOffset, map);
        memory.Write(info + LoaderNameOffset, Encoding.ASCII.GetBytes(LoaderName + "\0"));

        var s = new byte[InfoSize];
        BinaryPrimitives.WriteUInt32LittleEndian(s.AsSpan(0), InfoMemory | InfoCmdline | InfoMemoryMap | InfoLoaderName);
        BinaryPrimitives.WriteUInt32LittleEndian(s.AsSpan(4), (uint)(MemoryLayout.LowRamEnd / 1024));
        BinaryPrimitives.WriteUInt32LittleEndian(s.AsSpan(8), UpperMemoryKiB(memory.Regions));
        BinaryPrimitives.WriteUInt32LittleEndian(s.AsSpan(16), (uint)MemoryLayout.CommandLineAddress);
        BinaryPrimitives.WriteUInt32LittleEndian(s.AsSpan(44), (uint)map.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(s.AsSpan(48), (uint)(info + MemoryMapOffset));
        BinaryPrimitives.WriteUInt32LittleEndian(s.AsSpan(64), (uint)(info + LoaderNameOffset));
        memory.Write(info, s);
        return info;
    }

    // mem_upper: KiB of contiguous RAM from 1 MiB (§3.3).
    private static uint UpperMemoryKiB(IReadOnlyList<GuestRegion> regions)
    {
        const ulong oneMiB = 0x10_0000;
        foreach (var r in regions)
        {
            if (r.GuestAddress <= oneMiB && r.End > oneMiB)
                return (uint)Math.Min((r.End - oneMiB) / 1024, uint.MaxValue);
        }

        return 0;
    }

    // Memory map entries: size (20, not counting itself), base_addr, length, type (1 = RAM, 2 = reserved).
    private static byte[] BuildMemoryMap(IReadOnlyList<GuestRegion> regions)
    {
        var entries = new List<(ulong Base, ulong Length, uint Type)>();
        foreach (var r in regions)
        {
            if (r.GuestAddress == 0 && r.End > MemoryLayout.KernelLoadAddress)
            {
                entries.Add((0, MemoryLayout.LowRamEnd, 1));
                entries.Add((MemoryLayout.LowRamEnd, MemoryLayout.KernelLoadAddress - MemoryLayout.LowRamEnd, 2));
                entries.Add((MemoryLayout.KernelLoadAddress, r.End - MemoryLayout.KernelLoadAddress, 1));
            }
            else
            {
                entries.Add((r.GuestAddress, r.Size, 1));
            }
        }
        var map = new byte[entries.Count * 24];
        for (int i = 0; i < entries.Count; i++)
        {
            var e = map.AsSpan(i * 24, 24);
            BinaryPrimitives.WriteUInt32LittleEndian(e, 20);
            BinaryPrimitives.WriteUInt64LittleEndian(e[4..], entries[i].Base);
            BinaryPrimitives.WriteUInt64LittleEndian(e[12..], entries[i].Length);
            BinaryPrimitives.WriteUInt32LittleEndian(e[20..], entries[i].Type);
        }
        return map;
    }

    private static void Zero(IGuestMemory memory, ulong address, ulong length)
    {
        var zeros = new byte[64 * 1024];
        while (length > 0)
        {
            int chunk = (int)Math.Min(length, (ulong)zeros.Length);
            memory.Write(address, zeros.AsSpan(0, chunk));
            address += (ulong)chunk;
            length -= (ulong)chunk;
        }
    }
}
