using System.Buffers.Binary;
using static PSVmm.Engine.Boot.Linux.BootParamsLayout;

namespace PSVmm.Engine.Boot.Linux;

/// <summary>
/// Builds struct boot_params for the 64-bit entry. It starts zeroed (boot.rst, "64-bit Boot
/// Protocol": the loader fills boot_params with zeros, then copies in the setup header) so no
/// stale field reaches the kernel, and the sentinel at 0x1EF stays 0.
/// </summary>
internal sealed class ZeroPage
{
    private readonly byte[] _page = new byte[Size];

    public Span<byte> Bytes => _page;

    /// <summary>Copies a bzImage's setup header (0x1F1 .. 0x202 + byte at 0x201).</summary>
    public void CopySetupHeader(ReadOnlySpan<byte> header) => header.CopyTo(_page.AsSpan(SetupHeaderStart));

    /// <summary>The minimal setup header a vmlinux (no real-mode part) boots with.</summary>
    public void WriteSyntheticSetupHeader(ushort version, uint initrdAddrMax, uint cmdlineSize)
    {
        Put16(BootFlag, BootFlagMagic);
        Put32(Header, HeaderMagic);
        Put16(BootParamsLayout.Version, version);
        _page[LoadFlags] = LoadedHigh;
        Put32(InitrdAddrMax, initrdAddrMax);
        Put32(CmdlineSize, cmdlineSize);
    }

    /// <summary>type_of_loader, loadflags (CAN_USE_HEAP) and heap_end_ptr.</summary>
    public void SetLoader()
    {
        _page[TypeOfLoader] = LoaderUndefined;
        _page[LoadFlags] |= CanUseHeap;
        Put16(HeapEndPtr, HeapEnd);
    }

    public void SetCommandLine(ulong address)
    {
        Put32(CmdLinePtr, (uint)address);
        Put32(ExtCmdLinePtr, (uint)(address >> 32));
    }

    public void SetRamdisk(ulong address, ulong size)
    {
        Put32(RamdiskImage, (uint)address);
        Put32(RamdiskSize, (uint)size);
        Put32(ExtRamdiskImage, (uint)(address >> 32));
        Put32(ExtRamdiskSize, (uint)(size >> 32));
    }

    public void SetAcpiRsdp(ulong address) => BinaryPrimitives.WriteUInt64LittleEndian(_page.AsSpan(AcpiRsdpAddr), address);

    /// <summary>e820_entries and e820_table (struct boot_e820_entry: u64 addr, u64 size, u32 type, packed).</summary>
    public void SetE820(IReadOnlyList<E820Entry> entries)
    {
        if (entries.Count > E820Map.MaxZeroPageEntries)
            throw new ArgumentException("boot_params holds at most 128 e820 entries.", nameof(entries));
        _page[E820Entries] = (byte)entries.Count;
        for (int i = 0; i < entries.Count; i++)
        {
            var slot = _page.AsSpan(E820Table + i * E820Entry.EncodedSize);
            BinaryPrimitives.WriteUInt64LittleEndian(slot, entries[i].Address);
            BinaryPrimitives.WriteUInt64LittleEndian(slot[8..], entries[i].Size);
            BinaryPrimitives.WriteUInt32LittleEndian(slot[16..], (uint)entries[i].Type);
        }
    }

    private void Put16(int offset, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(_page.AsSpan(offset), value);
    private void Put32(int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(_page.AsSpan(offset), value);
}
