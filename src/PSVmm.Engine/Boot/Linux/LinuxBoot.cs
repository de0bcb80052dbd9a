using System.Text;
using PSVmm.Engine.Boot.Acpi;
using PSVmm.Engine.Memory;
using PSVmm.Engine.Platform;

namespace PSVmm.Engine.Boot.Linux;

/// <summary>
/// Loads a Linux kernel (bzImage or ELF vmlinux), its initrd and command line, writes the boot
/// structures (boot_params or hvm_start_info, e820, ACPI and MP tables, GDT, page tables) and
/// returns the boot vCPU's entry state.
/// </summary>
public static class LinuxBoot
{
    /// <summary>x86 COMMAND_LINE_SIZE (arch/x86/include/asm/setup.h) including the NUL, for kernels without cmdline_size.</summary>
    public const int DefaultCommandLineSize = 2048;

    /// <summary>Initial RSP for the 64-bit entry: below the page tables, above the zero page.</summary>
    public const ulong BootStackPointer = 0x8FF0;

    /// <summary>True for a bzImage ("HdrS" at 0x202) or an x86_64 ELF vmlinux without a multiboot header.</summary>
    public static bool IsLinuxKernel(ReadOnlySpan<byte> file) =>
        BzImage.HasHeader(file) || (VmlinuxImage.IsX86_64Elf(file) && !MultibootHeader.IsPresent(file));

    /// <summary>Throws InvalidDataException for a malformed or unsupported kernel.</summary>
    public static EntryState Load(IGuestMemory memory, LinuxBootRequest request) => LoadDetailed(memory, request).Entry;

    /// <summary>Like <see cref="Load"/>, and also says where everything went.</summary>
    public static LinuxBootResult LoadDetailed(IGuestMemory memory, LinuxBootRequest request)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(request);
        if (request.CpuCount is < 1 or > 254)
            throw new ArgumentOutOfRangeException(nameof(request), request.CpuCount, "CpuCount must be 1-254.");
        if (!memory.IsValidRange(0, MemoryLayout.KernelLoadAddress))
            throw new ArgumentException("Guest RAM must cover the first megabyte.", nameof(memory));

        var kernel = request.Kernel.Span;
        if (BzImage.HasHeader(kernel))
            return LoadBzImage(memory, request, BzImage.Parse(request.Kernel));
        if (VmlinuxImage.IsX86_64Elf(kernel))
            return LoadVmlinux(memory, request, VmlinuxImage.Parse(request.Kernel));
        if (ElfImage.HasElfMagic(kernel))
            throw new InvalidDataException("Not a Linux kernel: the ELF file is not an x86_64 (64-bit) image.");
        throw new InvalidDataException("Not a Linux kernel: neither a bzImage (no \"HdrS\" at 0x202) nor an ELF vmlinux.");
    }

    private static LinuxBootResult LoadBzImage(IGuestMemory memory, LinuxBootRequest request, BzImage image)
    {
        ulong lowRamEnd = LowRamEnd(memory, request);
        ulong load = MemoryLayout.KernelLoadAddress;
        var payload = image.ProtectedModeKernel;
        ulong runtime = image.RuntimeStart(load);
        ulong kernelEnd = Math.Max(load + (ulong)payload.Length, runtime + image.InitSize);
        if (kernelEnd > lowRamEnd)
        {
            throw new InvalidDataException(
                $"The kernel does not fit in memory: it needs RAM up to 0x{kernelEnd:x} (init_size 0x{image.InitSize:x} from 0x{runtime:x}), " +
                $"the guest has RAM up to 0x{lowRamEnd:x} below the MMIO hole.");
        }

        int cmdlineLimit = (int)Math.Min(image.CmdlineSize, MemoryLayout.CommandLineMaxSize - 1);
        var cmdline = EncodeCommandLine(request.CommandLine, cmdlineLimit);
        // initrd_addr_max is 0x37FFFFFF for kernels that do not say (boot.rst, initrd_addr_max).
        ulong initrdMax = image.InitrdAddrMax == 0 ? 0x37FF_FFFF : image.InitrdAddrMax;
        ulong? initrd = PlaceInitrd(request, lowRamEnd, initrdMax, kernelEnd);

        memory.Write(load, payload.Span);
        var zeroPage = new ZeroPage();
        zeroPage.CopySetupHeader(image.SetupHeader.Span);
        var platform = WritePlatform(memory, request, cmdline, zeroPage, initrd);
        memory.Write(MemoryLayout.BootParamsAddress, zeroPage.Bytes);
        var entry = Long64Entry(memory, load + BzImage.Entry64Offset);
        return new LinuxBootResult(entry, LinuxBootProtocol.BzImage64, load, kernelEnd, initrd,
            MemoryLayout.CommandLineAddress, platform.Acpi, platform.Mp);
    }

    private static LinuxBootResult LoadVmlinux(IGuestMemory memory, LinuxBootRequest request, VmlinuxImage image)
    {
        ulong lowRamEnd = LowRamEnd(memory, request);
        ulong kernelStart = image.Segments.Min(s => s.PhysicalAddress);
        ulong kernelEnd = image.End;
        foreach (var s in image.Segments)
        {
            if (s.PhysicalAddress < MemoryLayout.KernelLoadAddress)
                throw new InvalidDataException($"The ELF kernel has a segment at 0x{s.PhysicalAddress:x}, below 1 MiB where the boot structures live.");
            if (!memory.IsValidRange(s.PhysicalAddress, s.MemorySize))
            {
                throw new InvalidDataException(
                    $"The kernel does not fit in memory: segment [0x{s.PhysicalAddress:x}, 0x{s.PhysicalAddress + s.MemorySize:x}) is outside guest RAM.");
            }
        }
        bool pvh = request.PreferPvh && image.PvhEntry is not null;
        if (pvh && !image.Segments.Any(s => image.PvhEntry >= s.PhysicalAddress && image.PvhEntry - s.PhysicalAddress < s.MemorySize))
            throw new InvalidDataException($"The PVH entry 0x{image.PvhEntry:x} is not inside a loadable segment.");

        var cmdline = EncodeCommandLine(request.CommandLine, DefaultCommandLineSize - 1);
        ulong? initrd = PlaceInitrd(request, lowRamEnd, pvh ? ulong.MaxValue : 0x7FFF_FFFF, kernelEnd);

        foreach (var s in image.Segments)
        {
            memory.Write(s.PhysicalAddress, s.Data.Span);
            ZeroFill(memory, s.PhysicalAddress + (ulong)s.Data.Length, s.MemorySize - (ulong)s.Data.Length);
        }

        if (pvh)
        {
            var platform = WritePlatform(memory, request, cmdline, zeroPage: null, initrd);
            var startInfo = HvmStartInfo.Build(MemoryLayout.BootParamsAddress, MemoryLayout.CommandLineAddress,
                platform.Acpi?.Rsdp ?? 0, E820Map.Build(request.MemoryBytes),
                initrd is { } address ? (address, (ulong)request.Initrd!.Value.Length) : null);
            memory.Write(MemoryLayout.BootParamsAddress, startInfo);
            // PVH entry (start_info.h): 32-bit protected mode, paging off, flat CS/DS, EBX = start info.
            var entry = new EntryState(EntryMode.Protected32, image.PvhEntry!.Value)
            {
                Rbx = MemoryLayout.BootParamsAddress,
                GdtBase = MemoryLayout.GdtAddress,
                GdtLimit = BootGdt.Limit,
                CodeSelector = BootGdt.Code32Selector,
                DataSelector = BootGdt.DataSelector,
            };
            BootGdt.Write(memory);
            return new LinuxBootResult(entry, LinuxBootProtocol.Pvh, kernelStart, kernelEnd, initrd,
                MemoryLayout.CommandLineAddress, platform.Acpi, platform.Mp);
        }
        else
        {
            var zeroPage = new ZeroPage();
            // Protocol 2.15 so the kernel reads acpi_rsdp_addr (2.14+); no real-mode part, so no
            // setup_sects, heap or code32_start matter.
            zeroPage.WriteSyntheticSetupHeader(0x020F, 0x7FFF_FFFF, DefaultCommandLineSize - 1);
            var platform = WritePlatform(memory, request, cmdline, zeroPage, initrd);
            memory.Write(MemoryLayout.BootParamsAddress, zeroPage.Bytes);
            var entry = Long64Entry(memory, image.Entry64);
            return new LinuxBootResult(entry, LinuxBootProtocol.Vmlinux64, kernelStart, kernelEnd, initrd,
                MemoryLayout.CommandLineAddress, platform.Acpi, platform.Mp);
        }
    }

    private sealed record PlatformTables(AcpiTablesLayout? Acpi, MpTableLayout? Mp);

    /// <summary>Command line, initrd, ACPI and MP tables; fills the zero page fields that point at them.</summary>
    private static PlatformTables WritePlatform(IGuestMemory memory, LinuxBootRequest request, byte[] cmdline, ZeroPage? zeroPage, ulong? initrd)
    {
        memory.Write(MemoryLayout.CommandLineAddress, cmdline);
        if (initrd is { } initrdAddress)
            memory.Write(initrdAddress, request.Initrd!.Value.Span);

        AcpiTablesLayout? acpi = null;
        if (request.Acpi)
        {
            acpi = AcpiTableBuilder.Write(memory, new AcpiMachineDescription(request.CpuCount, request.MemoryBytes)
            {
                HighMmioBase = request.HighMmioBase,
                HighMmioSize = request.HighMmioSize,
            });
        }
        MpTableLayout? mp = null;
        if (request.MpTable)
        {
            // The floating pointer goes in the EBDA, the configuration table after the ACPI tables.
            ulong configurationAddress = acpi?.End ?? MemoryLayout.AcpiTablesAddress;
            mp = Boot.MpTable.Write(memory, request.CpuCount, configurationAddress, MemoryLayout.AcpiTablesEnd);
        }

        if (zeroPage is not null)
        {
            zeroPage.SetLoader();
            zeroPage.SetCommandLine(MemoryLayout.CommandLineAddress);
            if (initrd is { } address)
                zeroPage.SetRamdisk(address, (ulong)request.Initrd!.Value.Length);
            zeroPage.SetE820(E820Map.Build(request.MemoryBytes));
            if (acpi is not null)
                zeroPage.SetAcpiRsdp(acpi.Rsdp);
        }
        return new PlatformTables(acpi, mp);
    }

    /// <summary>
    /// The 64-bit boot protocol's entry state (boot.rst, "64-bit Boot Protocol"): long mode with
    /// paging, an identity map covering the kernel, boot_params and command line, a GDT with
    /// __BOOT_CS 0x10 and __BOOT_DS 0x18, RSI = boot_params.
    /// </summary>
    private static EntryState Long64Entry(IGuestMemory memory, ulong rip)
    {
        BootGdt.Write(memory);
        ulong cr3 = IdentityPageTables.Write(memory);
        return new EntryState(EntryMode.Long64, rip)
        {
            Rsi = MemoryLayout.BootParamsAddress,
            Rsp = BootStackPointer,
            Cr3 = cr3,
            GdtBase = MemoryLayout.GdtAddress,
            GdtLimit = BootGdt.Limit,
            CodeSelector = BootGdt.Code64Selector,
            DataSelector = BootGdt.DataSelector,
        };
    }

    private static ulong LowRamEnd(IGuestMemory memory, LinuxBootRequest request)
    {
        ulong end = E820Map.LowRamEnd(request.MemoryBytes);
        var first = memory.Regions.Count > 0 ? memory.Regions[0] : default;
        if (first.GuestAddress != 0 || first.End < end)
            throw new ArgumentException($"Guest RAM does not match MemoryBytes 0x{request.MemoryBytes:x}.", nameof(request));
        // The e820 map reports RAM above 4 GiB for large guests: it must really be there.
        if (request.MemoryBytes > MemoryLayout.MmioHoleStart
            && !memory.IsValidRange(MemoryLayout.HighRamStart, request.MemoryBytes - MemoryLayout.MmioHoleStart))
        {
            throw new ArgumentException($"Guest RAM above 4 GiB does not match MemoryBytes 0x{request.MemoryBytes:x}.", nameof(request));
        }

        return end;
    }

    private static ulong? PlaceInitrd(LinuxBootRequest request, ulong lowRamEnd, ulong addressMax, ulong kernelEnd)
    {
        if (request.Initrd is not { Length: > 0 } initrd)
            return null;
        return InitrdPlacement.Place((ulong)initrd.Length, lowRamEnd, addressMax, kernelEnd);
    }

    /// <summary>The command line as NUL-terminated bytes; at most <paramref name="maxLength"/> bytes before the NUL.</summary>
    private static byte[] EncodeCommandLine(string commandLine, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        if (commandLine.Contains('\0'))
            throw new InvalidDataException("The kernel command line contains a NUL character.");
        var bytes = Encoding.UTF8.GetBytes(commandLine);
        if (bytes.Length > maxLength)
            throw new InvalidDataException($"The kernel command line is too long: {bytes.Length} bytes, the kernel accepts at most {maxLength}.");
        return [.. bytes, 0];
    }

    private static void ZeroFill(IGuestMemory memory, ulong address, ulong length)
    {
        const int chunk = 1 << 20;
        while (length > 0)
        {
            int n = (int)Math.Min(length, chunk);
            memory.GetSpan(address, n).Clear();
            address += (ulong)n;
            length -= (ulong)n;
        }
    }
}
