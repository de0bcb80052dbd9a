namespace PSVmm.Engine.Boot.Linux;

/// <summary>
/// Offsets in struct boot_params (the "zero page") and its embedded setup header, from the Linux
/// x86 boot protocol (Documentation/arch/x86/boot.rst, "The Real-Mode Kernel Header" and
/// Documentation/arch/x86/zero-page.rst). The setup header starts at 0x1F1 both in the bzImage
/// file and in boot_params.
/// </summary>
internal static class BootParamsLayout
{
    public const int Size = 4096;

    // zero-page.rst
    public const int AcpiRsdpAddr = 0x070;       // u64, protocol 2.14+
    public const int ExtRamdiskImage = 0x0C0;    // u32, high bits of ramdisk_image
    public const int ExtRamdiskSize = 0x0C4;
    public const int ExtCmdLinePtr = 0x0C8;
    public const int E820Entries = 0x1E8;        // u8
    public const int Sentinel = 0x1EF;           // u8, must stay 0 (else the kernel clears "stale" fields)
    public const int E820Table = 0x2D0;          // 128 x struct boot_e820_entry (20 bytes)

    // Setup header (boot.rst)
    public const int SetupHeaderStart = 0x1F1;
    public const int SetupSects = 0x1F1;         // u8, 0 means 4
    public const int BootFlag = 0x1FE;           // u16, 0xAA55
    public const int Jump = 0x200;               // jmp short; the byte at 0x201 gives the header's end
    public const int Header = 0x202;             // "HdrS"
    public const int Version = 0x206;            // u16
    public const int TypeOfLoader = 0x210;       // u8
    public const int LoadFlags = 0x211;          // u8
    public const int RamdiskImage = 0x218;       // u32
    public const int RamdiskSize = 0x21C;        // u32
    public const int HeapEndPtr = 0x224;         // u16
    public const int CmdLinePtr = 0x228;         // u32
    public const int InitrdAddrMax = 0x22C;      // u32
    public const int KernelAlignment = 0x230;    // u32
    public const int RelocatableKernel = 0x234;  // u8
    public const int XLoadFlags = 0x236;         // u16
    public const int CmdlineSize = 0x238;        // u32
    public const int PrefAddress = 0x258;        // u64
    public const int InitSize = 0x260;           // u32

    public const uint HeaderMagic = 0x53726448;  // "HdrS"
    public const ushort BootFlagMagic = 0xAA55;

    // loadflags
    public const byte LoadedHigh = 0x01;
    public const byte CanUseHeap = 0x80;

    // xloadflags
    public const ushort XlfKernel64 = 0x0001;
    public const ushort XlfCanBeLoadedAbove4G = 0x0002;

    /// <summary>"Undefined" boot loader id (boot.rst, type_of_loader: 0xFF).</summary>
    public const byte LoaderUndefined = 0xFF;

    /// <summary>heap_end_ptr: the end of the setup heap, 0xE000, minus 0x200 (boot.rst, "Sample Boot Configuration").</summary>
    public const ushort HeapEnd = 0xE000 - 0x200;

    /// <summary>Protocol 2.12 added xloadflags, which the 64-bit entry needs.</summary>
    public const ushort MinimumVersion = 0x020C;
}
