using PSVmm.Engine.Memory;
using PSVmm.Engine.Platform;

namespace PSVmm.Engine.Boot;

/// <summary>
/// The boot GDT at <see cref="MemoryLayout.GdtAddress"/>. The Linux 64-bit boot protocol
/// (Documentation/arch/x86/boot.rst, "64-bit Boot Protocol") wants __BOOT_CS = 0x10 as a flat
/// 64-bit code segment and __BOOT_DS = 0x18 as a flat data segment. Slot 0x08 is unused by Linux;
/// it holds a flat 32-bit code segment for the PVH (32-bit protected mode) entry. The table is
/// 4 entries (32 bytes) so it ends exactly where the IDT slot at 0x520 begins.
/// </summary>
public static class BootGdt
{
    public const ushort Code32Selector = 0x08;
    public const ushort Code64Selector = 0x10;
    public const ushort DataSelector = 0x18;

    // Intel SDM Vol. 3A §3.4.5: base 0, limit 0xFFFFF with G=1 (4 GiB), present, DPL 0.
    public const ulong NullDescriptor = 0;
    public const ulong Code32Descriptor = 0x00CF_9B00_0000_FFFF; // D=1, type execute/read, accessed
    public const ulong Code64Descriptor = 0x00AF_9B00_0000_FFFF; // L=1, D=0
    public const ulong DataDescriptor = 0x00CF_9300_0000_FFFF;   // read/write, accessed

    public static readonly ulong[] Descriptors = [NullDescriptor, Code32Descriptor, Code64Descriptor, DataDescriptor];

    public static ushort Limit => (ushort)(Descriptors.Length * 8 - 1);

    public static void Write(IGuestMemory memory)
    {
        var bytes = new byte[Descriptors.Length * 8];
        for (int i = 0; i < Descriptors.Length; i++)
            BitConverter.TryWriteBytes(bytes.AsSpan(i * 8), Descriptors[i]);
        memory.Write(MemoryLayout.GdtAddress, bytes);
    }
}
