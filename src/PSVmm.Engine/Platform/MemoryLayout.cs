using PSVmm.Engine.Memory;

namespace PSVmm.Engine.Platform;

/// <summary>
/// The fixed guest-physical layout of an x86_64 PSVmm machine. RAM fills [0, 3 GiB) and resumes
/// at 4 GiB; the hole between holds the 32-bit PCI window, ECAM, the probe test device, the
/// IOAPIC and the LAPIC.
/// </summary>
public static class MemoryLayout
{
    // Low memory used while booting (all below the 640 KiB legacy limit).
    public const ulong GdtAddress = 0x500;
    public const ulong IdtAddress = 0x520;
    public const ulong BootParamsAddress = 0x7000;      // Linux zero page
    public const ulong Pml4Address = 0x9000;
    public const ulong PdptAddress = 0xA000;
    public const ulong PageDirectoryAddress = 0xB000;   // 4 pages: identity map of 4 GiB with 2 MiB pages
    public const ulong MultibootInfoAddress = 0x10000;
    public const ulong CommandLineAddress = 0x20000;
    public const ulong CommandLineMaxSize = 0x10000;
    public const ulong EbdaStart = 0x9FC00;             // MP table lives here
    public const ulong LowRamEnd = 0xA0000;             // 640 KiB
    public const ulong AcpiTablesAddress = 0xE0000;     // RSDP and tables, in the BIOS area
    public const ulong AcpiTablesEnd = 0x100000;
    public const ulong KernelLoadAddress = 0x100000;    // 1 MiB

    // The 32-bit MMIO hole.
    public const ulong MmioHoleStart = 0xC000_0000;     // 3 GiB
    public const ulong PciMmio32Start = 0xC000_0000;
    public const ulong PciMmio32Size = 0x2000_0000;     // 512 MiB
    public const ulong EcamAddress = 0xE000_0000;
    public const ulong EcamSize = 0x1000_0000;          // 256 buses x 32 devices x 8 functions x 4 KiB
    public const ulong TestDeviceMmioAddress = 0xFEB0_0000;
    public const ulong TestDeviceMmioSize = 0x1000;
    public const ulong IoApicAddress = 0xFEC0_0000;
    public const ulong LapicAddress = 0xFEE0_0000;
    public const ulong HighRamStart = 0x1_0000_0000;    // 4 GiB

    // KVM's private areas for the TSS and the EPT identity map (must be outside RAM and MMIO).
    public const ulong KvmIdentityMapAddress = 0xFFFB_C000;
    public const ulong KvmTssAddress = 0xFFFB_D000;

    // Port I/O.
    public const ushort Com1Port = 0x3F8;
    public const uint Com1Irq = 4;
    public const ushort I8042DataPort = 0x60;
    public const ushort I8042CommandPort = 0x64;
    public const ushort PciConfigAddressPort = 0xCF8;
    public const ushort PciConfigDataPort = 0xCFC;
    public const ushort TestDevicePort = 0xF0;           // 0xF0..0xF3 scratch, 0xF4 exit
    public const ushort DebugExitPort = 0xF4;

    // Interrupt numbering: GSIs 0-23 are IOAPIC pins; MSI routes are allocated from 24 up.
    public const uint IoApicPins = 24;
    public const uint FirstMsiGsi = 24;

    /// <summary>Size of the 64-bit PCI window (above RAM, 1 GiB aligned): within 40 physical address bits for any RAM size a VM here can have.</summary>
    public const ulong PciMmio64Size = 0x10_0000_0000;  // 64 GiB

    /// <summary>The 64-bit PCI window for a machine of <paramref name="memoryBytes"/> bytes: from the first 1 GiB boundary above RAM and 4 GiB.</summary>
    public static (ulong Start, ulong Size) Mmio64Window(ulong memoryBytes)
    {
        ulong ramEnd = RamRegions(memoryBytes)[^1].End;
        ulong start = (Math.Max(ramEnd, HighRamStart) + 0x3FFF_FFFF) & ~0x3FFF_FFFFUL;
        return (start, PciMmio64Size);
    }

    /// <summary>The RAM regions for a machine of <paramref name="memoryBytes"/> bytes.</summary>
    public static IReadOnlyList<GuestRegion> RamRegions(ulong memoryBytes)
    {
        if (memoryBytes <= MmioHoleStart)
            return [new GuestRegion(0, memoryBytes)];
        return
        [
            new GuestRegion(0, MmioHoleStart),
            new GuestRegion(HighRamStart, memoryBytes - MmioHoleStart),
        ];
    }
}
