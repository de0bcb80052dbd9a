using System.Buffers.Binary;

namespace PSVmm.Engine.Boot;

/// <summary>
/// The parts of an ELF file a loader needs: class, entry point, loadable segments and notes
/// (System V ABI, ELF-64 Object File Format 1.5). Every offset and size in the file is checked
/// against the file length; a malformed file gives <see cref="InvalidDataException"/>.
/// </summary>
public sealed class ElfImage
{
    public const ushort MachineX86 = 3;
    public const ushort MachineX86_64 = 62;
    private const uint PtLoad = 1;
    private const uint PtNote = 4;

    public bool Is64Bit { get; }
    public ushort Machine { get; }
    public ulong Entry { get; }
    public IReadOnlyList<ElfSegment> LoadSegments { get; }
    public IReadOnlyList<ElfNote> Notes { get; }

    private ElfImage(bool is64, ushort machine, ulong entry, List<ElfSegment> segments, List<ElfNote> notes)
    {
        Is64Bit = is64;
        Machine = machine;
        Entry = entry;
        LoadSegments = segments;
        Notes = notes;
    }

    public static bool HasElfMagic(ReadOnlySpan<byte> file) =>
        file.Length >= 4 && file[0] == 0x7F && file[1] == (byte)'E' && file[2] == (byte)'L' && file[3] == (byte)'F';

    public static ElfImage Parse(ReadOnlyMemory<byte> fileMemory)
    {
        var file = fileMemory.Span;
        if (!HasElfMagic(file) || file.Length < 52)
            throw new InvalidDataException("Not an ELF file.");
        bool is64 = file[4] switch
        {
            1 => false,
            2 => true,
            _ => throw new InvalidDataException($"Unknown ELF class {file[4]}."),
        };
        if (file[5] != 1)
            throw new InvalidDataException("Only little-endian ELF files are supported.");
        if (is64 && file.Length < 64)
            throw new InvalidDataException("ELF header is truncated.");

        ushort machine = BinaryPrimitives.ReadUInt16LittleEndian(file[18..]);
        ulong entry = is64 ? BinaryPrimitives.ReadUInt64LittleEndian(file[24..]) : BinaryPrimitives.ReadUInt32LittleEndian(file[24..]);
        ulong phoff = is64 ? BinaryPrimitives.ReadUInt64LittleEndian(file[32..]) : BinaryPrimitives.ReadUInt32LittleEndian(file[28..]);
        int phentsize = BinaryPrimitives.ReadUInt16LittleEndian(file[is64 ? 54.. : 42..]);
        int phnum = BinaryPrimitives.ReadUInt16LittleEndian(file[is64 ? 56.. : 44..]);
        int minEntry = is64 ? 56 : 32;
        if (phnum > 0 && (phentsize < minEntry || phoff > (ulong)file.Length || (ulong)phnum * (ulong)phentsize > (ulong)file.Length - phoff))
            throw new InvalidDataException("ELF program headers lie outside the file.");

        var segments = new List<ElfSegment>();
        var notes = new List<ElfNote>();
        for (int i = 0; i < phnum; i++)
        {
            var ph = file.Slice((int)phoff + i * phentsize, phentsize);
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(ph);
            ulong offset, vaddr, paddr, filesz, memsz;
            if (is64)
            {
                offset = BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]);
                vaddr = BinaryPrimitives.ReadUInt64LittleEndian(ph[16..]);
                paddr = BinaryPrimitives.ReadUInt64LittleEndian(ph[24..]);
                filesz = BinaryPrimitives.ReadUInt64LittleEndian(ph[32..]);
                memsz = BinaryPrimitives.ReadUInt64LittleEndian(ph[40..]);
            }
            else
            {
                offset = BinaryPrimitives.ReadUInt32LittleEndian(ph[4..]);
                vaddr = BinaryPrimitives.ReadUInt32LittleEndian(ph[8..]);
                paddr = BinaryPrimitives.ReadUInt32LittleEndian(ph[12..]);
                filesz = BinaryPrimitives.ReadUInt32LittleEndian(ph[16..]);
                memsz = BinaryPrimitives.ReadUInt32LittleEndian(ph[20..]);
            }
            if (type != PtLoad && type != PtNote)
                continue;
            if (offset > (ulong)file.Length || filesz > (ulong)file.Length - offset)
                throw new InvalidDataException($"ELF segment {i} lies outside the file.");
            if (type == PtLoad)
            {
                if (memsz < filesz)
                    throw new InvalidDataException($"ELF segment {i} has a memory size smaller than its file size.");
                segments.Add(new ElfSegment(paddr, vaddr, fileMemory.Slice((int)offset, (int)filesz), memsz));
            }
            else
            {
                ParseNotes(fileMemory.Slice((int)offset, (int)filesz), notes);
            }
        }
        return new ElfImage(is64, machine, entry, segments, notes);
    }

    // Note entries: namesz, descsz, type, name (padded to 4), desc (padded to 4).
    private static void ParseNotes(ReadOnlyMemory<byte> data, List<ElfNote> notes)
    {
        var span = data.Span;
        int pos = 0;
        while (span.Length - pos >= 12)
        {
            uint namesz = BinaryPrimitives.ReadUInt32LittleEndian(span[pos..]);
            uint descsz = BinaryPrimitives.ReadUInt32LittleEndian(span[(pos + 4)..]);
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(span[(pos + 8)..]);
            ulong nameEnd = (ulong)pos + 12 + Align4(namesz);
            ulong descEnd = nameEnd + Align4(descsz);
            if (nameEnd > (ulong)span.Length || (ulong)nameEnd + descsz > (ulong)span.Length)
                throw new InvalidDataException("ELF note runs past its segment.");
            string name = System.Text.Encoding.ASCII.GetString(span.Slice(pos + 12, (int)namesz)).TrimEnd('\0');
            notes.Add(new ElfNote(name, type, data.Slice((int)nameEnd, (int)descsz)));
            pos = (int)Math.Min(descEnd, (ulong)span.Length);
        }
    }

    private static ulong Align4(uint n) => ((ulong)n + 3) & ~3UL;
}

/// <summary>A PT_LOAD segment: <see cref="Data"/> goes at <see cref="PhysicalAddress"/>, the rest of <see cref="MemorySize"/> is zeroed.</summary>
public readonly record struct ElfSegment(ulong PhysicalAddress, ulong VirtualAddress, ReadOnlyMemory<byte> Data, ulong MemorySize);

public readonly record struct ElfNote(string Name, uint Type, ReadOnlyMemory<byte> Descriptor);
