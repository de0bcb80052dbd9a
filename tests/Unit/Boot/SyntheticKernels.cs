using System.Buffers.Binary;
using System.Text;

namespace PSVmm.Tests.Boot;

/// <summary>Builds small kernel images with the headers the Linux loader reads.</summary>
internal static class SyntheticKernels
{
    public const byte DefaultSetupSects = 3;
    public const byte HeaderJump = 0x6A; // header ends at 0x202 + 0x6A = 0x26C, as in Linux 6.x

    /// <summary>
    /// A bzImage per Documentation/arch/x86/boot.rst: boot sector and setup filled with 0xCC (so a
    /// test can tell copied from zeroed bytes), the setup header, then the protected-mode payload.
    /// </summary>
    public static byte[] BzImage(
        ushort version = 0x020F,
        ushort xloadflags = 0x7F,
        byte setupSects = DefaultSetupSects,
        int payloadSize = 0x3000,
        uint initSize = 0x80_0000,
        ulong prefAddress = 0x100_0000,
        uint kernelAlignment = 0x20_0000,
        bool relocatable = true,
        uint cmdlineSize = 2047,
        uint initrdAddrMax = 0x7FFF_FFFF)
    {
        int setupSize = ((setupSects == 0 ? 4 : setupSects) + 1) * 512;
        var file = new byte[setupSize + payloadSize];
        file.AsSpan(0, setupSize).Fill(0xCC);
        var s = file.AsSpan();
        s[0x1F1] = setupSects;
        BinaryPrimitives.WriteUInt16LittleEndian(s[0x1F2..], 0x0001);   // root_flags
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x1F4..], 0x1234);   // syssize
        BinaryPrimitives.WriteUInt16LittleEndian(s[0x1FE..], 0xAA55);
        s[0x200] = 0xEB;
        s[0x201] = HeaderJump;
        Encoding.ASCII.GetBytes("HdrS", s[0x202..]);
        BinaryPrimitives.WriteUInt16LittleEndian(s[0x206..], version);
        s[0x210] = 0;                                                   // type_of_loader
        s[0x211] = 0x01;                                                // loadflags: LOADED_HIGH
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x214..], 0x10_0000); // code32_start
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x218..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x21C..], 0);
        BinaryPrimitives.WriteUInt16LittleEndian(s[0x224..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x228..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x22C..], initrdAddrMax);
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x230..], kernelAlignment);
        s[0x234] = (byte)(relocatable ? 1 : 0);
        s[0x235] = 21;                                                  // min_alignment
        BinaryPrimitives.WriteUInt16LittleEndian(s[0x236..], xloadflags);
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x238..], cmdlineSize);
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x23C..], 0);        // hardware_subarch
        BinaryPrimitives.WriteUInt64LittleEndian(s[0x250..], 0);        // setup_data
        BinaryPrimitives.WriteUInt64LittleEndian(s[0x258..], prefAddress);
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x260..], initSize);
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x264..], 0x190);    // handover_offset
        BinaryPrimitives.WriteUInt32LittleEndian(s[0x268..], 0);
        for (int i = 0; i < payloadSize; i++)
            file[setupSize + i] = (byte)(i * 7 + 3);
        return file;
    }

    public sealed record ElfSegmentSpec(ulong PhysicalAddress, ulong VirtualAddress, byte[] Data, ulong MemorySize);

    /// <summary>
    /// An ELF64 x86_64 executable (System V gABI): header, program headers (PT_LOAD per segment,
    /// PT_NOTE when notes are given), then the segment data and the note section.
    /// </summary>
    public static byte[] Elf(ulong entry, IReadOnlyList<ElfSegmentSpec> segments, byte[]? notes = null, ushort machine = 62, byte elfClass = 2, byte[]? prefix = null)
    {
        int phnum = segments.Count + (notes is null ? 0 : 1);
        int dataStart = 64 + 56 * phnum + (prefix?.Length ?? 0);
        var ms = new MemoryStream();
        var header = new byte[64];
        var h = header.AsSpan();
        h[0] = 0x7F; h[1] = (byte)'E'; h[2] = (byte)'L'; h[3] = (byte)'F';
        h[4] = elfClass; h[5] = 1; h[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(h[16..], 2);           // ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(h[18..], machine);
        BinaryPrimitives.WriteUInt32LittleEndian(h[20..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(h[24..], entry);
        BinaryPrimitives.WriteUInt64LittleEndian(h[32..], 64);          // e_phoff
        BinaryPrimitives.WriteUInt16LittleEndian(h[52..], 64);          // e_ehsize
        BinaryPrimitives.WriteUInt16LittleEndian(h[54..], 56);          // e_phentsize
        BinaryPrimitives.WriteUInt16LittleEndian(h[56..], (ushort)phnum);
        ms.Write(header);

        long offset = dataStart;
        var ph = new byte[56];
        foreach (var seg in segments)
        {
            Array.Clear(ph);
            BinaryPrimitives.WriteUInt32LittleEndian(ph, 1);            // PT_LOAD
            BinaryPrimitives.WriteUInt32LittleEndian(ph.AsSpan(4), 7);
            BinaryPrimitives.WriteUInt64LittleEndian(ph.AsSpan(8), (ulong)offset);
            BinaryPrimitives.WriteUInt64LittleEndian(ph.AsSpan(16), seg.VirtualAddress);
            BinaryPrimitives.WriteUInt64LittleEndian(ph.AsSpan(24), seg.PhysicalAddress);
            BinaryPrimitives.WriteUInt64LittleEndian(ph.AsSpan(32), (ulong)seg.Data.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(ph.AsSpan(40), seg.MemorySize);
            ms.Write(ph);
            offset += seg.Data.Length;
        }
        if (notes is not null)
        {
            Array.Clear(ph);
            BinaryPrimitives.WriteUInt32LittleEndian(ph, 4);            // PT_NOTE
            BinaryPrimitives.WriteUInt64LittleEndian(ph.AsSpan(8), (ulong)offset);
            BinaryPrimitives.WriteUInt64LittleEndian(ph.AsSpan(32), (ulong)notes.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(ph.AsSpan(40), (ulong)notes.Length);
            ms.Write(ph);
        }
        if (prefix is not null)
            ms.Write(prefix);
        foreach (var seg in segments)
            ms.Write(seg.Data);
        if (notes is not null)
            ms.Write(notes);
        return ms.ToArray();
    }

    /// <summary>One ELF note: namesz, descsz, type, name + NUL padded to 4, descriptor padded to 4.</summary>
    public static byte[] Note(string name, uint type, byte[] descriptor)
    {
        var nameBytes = Encoding.ASCII.GetBytes(name + "\0");
        int namePadded = (nameBytes.Length + 3) & ~3;
        int descPadded = (descriptor.Length + 3) & ~3;
        var note = new byte[12 + namePadded + descPadded];
        BinaryPrimitives.WriteUInt32LittleEndian(note, (uint)nameBytes.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(note.AsSpan(4), (uint)descriptor.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(note.AsSpan(8), type);
        nameBytes.CopyTo(note, 12);
        descriptor.CopyTo(note, 12 + namePadded);
        return note;
    }

    public const ulong KernelVirtualBase = 0xFFFF_FFFF_8100_0000;
    public const ulong KernelPhysicalBase = 0x100_0000;

    /// <summary>A vmlinux-shaped ELF: text at 16 MiB (virtual 0xffffffff81000000), a data segment with bss.</summary>
    public static byte[] Vmlinux(uint? pvhEntry = null, int pvhDescriptorSize = 8, byte[]? prefix = null)
    {
        var text = Enumerable.Range(0, 0x2000).Select(i => (byte)(i ^ 0x5A)).ToArray();
        var data = Enumerable.Range(0, 0x800).Select(i => (byte)(i + 1)).ToArray();
        var segments = new List<ElfSegmentSpec>
        {
            new(KernelPhysicalBase, KernelVirtualBase, text, 0x2000),
            new(KernelPhysicalBase + 0x10_0000, KernelVirtualBase + 0x10_0000, data, 0x4000),
        };
        byte[]? notes = null;
        if (pvhEntry is { } pvh)
        {
            var desc = new byte[pvhDescriptorSize];
            if (pvhDescriptorSize == 8) BinaryPrimitives.WriteUInt64LittleEndian(desc, pvh);
            else if (pvhDescriptorSize == 4) BinaryPrimitives.WriteUInt32LittleEndian(desc, pvh);
            notes = [.. Note("GNU", 3, [1, 2, 3, 4]), .. Note("Xen", 18, desc)];
        }
        return Elf(KernelVirtualBase + 0x40, segments, notes, prefix: prefix);
    }
}
