using PSVmm.Engine.Boot;
using PSVmm.Engine.Memory;
using PSVmm.Engine.Platform;

namespace PSVmm.Tests.Machine;

/// <summary>
/// Writes what the Linux 64-bit boot protocol's loader leaves behind (GDT with code 0x10 and
/// data 0x18, identity-mapped 2 MiB pages for the first GiB) and a 64-bit payload at 1 MiB.
/// </summary>
internal static class LongModeGuest
{
    public const ulong ZeroPage = 0x7000;

    public static EntryState Load(IGuestMemory memory, byte[] code)
    {
        // GDT: null, null, 64-bit code (0x10), data (0x18) (Intel SDM Vol. 3A §3.4.5).
        memory.Write<ulong>(MemoryLayout.GdtAddress + 0x10, 0x00AF_9B00_0000_FFFF);
        memory.Write<ulong>(MemoryLayout.GdtAddress + 0x18, 0x00CF_9300_0000_FFFF);
        // PML4[0] -> PDPT, PDPT[0] -> PD, PD[i] = i * 2 MiB, present|writable|PS (§4.5).
        memory.Write<ulong>(MemoryLayout.Pml4Address, MemoryLayout.PdptAddress | 0x3);
        memory.Write<ulong>(MemoryLayout.PdptAddress, MemoryLayout.PageDirectoryAddress | 0x3);
        for (ulong i = 0; i < 512; i++)
            memory.Write<ulong>(MemoryLayout.PageDirectoryAddress + i * 8, (i << 21) | 0x83);
        memory.Write(MemoryLayout.KernelLoadAddress, code);
        return new EntryState(EntryMode.Long64, MemoryLayout.KernelLoadAddress)
        {
            Rsi = ZeroPage,
            Rsp = 0x8_0000,
            Cr3 = MemoryLayout.Pml4Address,
            GdtBase = MemoryLayout.GdtAddress,
            GdtLimit = 0x1F,
        };
    }
}
