using System.Buffers.Binary;
using static PSVmm.Engine.Boot.Linux.BootParamsLayout;

namespace PSVmm.Engine.Boot.Linux;

/// <summary>
/// A bzImage parsed and checked against the 64-bit boot protocol (Documentation/arch/x86/boot.rst):
/// "HdrS" at 0x202, protocol 2.12 or later, XLF_KERNEL_64 in xloadflags. The protected-mode kernel
/// starts after the real-mode setup: (setup_sects, or 4 when 0, + 1) × 512 bytes.
/// </summary>
internal sealed class BzImage
{
    public const int SectorSize = 512;

    /// <summary>The 64-bit entry point is 0x200 past the start of the protected-mode kernel (boot.rst, "64-bit Boot Protocol").</summary>
    public const ulong Entry64Offset = 0x200;

    public required ReadOnlyMemory<byte> File { get; init; }
    public required ushort Version { get; init; }
    public required int SetupSize { get; init; }
    public required uint InitrdAddrMax { get; init; }
    public required uint KernelAlignment { get; init; }
    public required bool Relocatable { get; init; }
    public required uint CmdlineSize { get; init; }
    public required ulong PrefAddress { get; init; }
    public required uint InitSize { get; init; }

    /// <summary>The setup header bytes to copy into boot_params: 0x1F1 up to 0x202 + the byte at 0x201.</summary>
    public ReadOnlyMemory<byte> SetupHeader => File[SetupHeaderStart..(Header + File.Span[Jump + 1])];

    public ReadOnlyMemory<byte> ProtectedModeKernel => File[SetupSize..];

    public static bool HasHeader(ReadOnlySpan<byte> file) =>
        file.Length >= Header + 4 && BinaryPrimitives.ReadUInt32LittleEndian(file[Header..]) == HeaderMagic;

    public static BzImage Parse(ReadOnlyMemory<byte> fileMemory)
    {
        var file = fileMemory.Span;
        if (file.Length < 0x270 || !HasHeader(file))
            throw new InvalidDataException("Not a Linux bzImage: no \"HdrS\" boot protocol header at 0x202.");
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(file[BootParamsLayout.Version..]);
        if (version < MinimumVersion)
        {
            throw new InvalidDataException(
                $"The kernel's boot protocol {version >> 8}.{version & 0xFF:D2} is too old: 64-bit boot needs protocol 2.12 or later.");
        }

        ushort xloadflags = BinaryPrimitives.ReadUInt16LittleEndian(file[XLoadFlags..]);
        if ((xloadflags & XlfKernel64) == 0)
            throw new InvalidDataException("The bzImage is not 64-bit capable (XLF_KERNEL_64 is clear in xloadflags).");
        if (BinaryPrimitives.ReadUInt16LittleEndian(file[BootFlag..]) != BootFlagMagic)
            throw new InvalidDataException("The bzImage's boot_flag is not 0xAA55.");
        int headerEnd = Header + file[Jump + 1];
        if (headerEnd < BootParamsLayout.InitSize + 4 || headerEnd > file.Length)
            throw new InvalidDataException("The bzImage's setup header is truncated.");

        int setupSects = file[SetupSects] == 0 ? 4 : file[SetupSects];
        int setupSize = (setupSects + 1) * SectorSize;
        if (setupSize >= file.Length)
            throw new InvalidDataException("The bzImage has no protected-mode kernel after its setup sectors.");

        uint alignment = BinaryPrimitives.ReadUInt32LittleEndian(file[BootParamsLayout.KernelAlignment..]);
        bool relocatable = file[RelocatableKernel] != 0;
        if (relocatable && (alignment == 0 || (alignment & (alignment - 1)) != 0))
            throw new InvalidDataException($"The bzImage's kernel_alignment 0x{alignment:x} is not a power of two.");

        return new BzImage
        {
            File = fileMemory,
            Version = version,
            SetupSize = setupSize,
            InitrdAddrMax = BinaryPrimitives.ReadUInt32LittleEndian(file[BootParamsLayout.InitrdAddrMax..]),
            KernelAlignment = alignment,
            Relocatable = relocatable,
            CmdlineSize = BinaryPrimitives.ReadUInt32LittleEndian(file[BootParamsLayout.CmdlineSize..]),
            PrefAddress = BinaryPrimitives.ReadUInt64LittleEndian(file[BootParamsLayout.PrefAddress..]),
            InitSize = BinaryPrimitives.ReadUInt32LittleEndian(file[BootParamsLayout.InitSize..]),
        };
    }

    /// <summary>
    /// Where the decompressor runs, given the load address: a relocatable kernel aligns the load
    /// address up to kernel_alignment but never goes below LOAD_PHYSICAL_ADDR (reported as
    /// pref_address); a fixed kernel runs at pref_address (arch/x86/boot/compressed/head_64.S).
    /// It needs init_size bytes from there (boot.rst, init_size).
    /// </summary>
    public ulong RuntimeStart(ulong loadAddress)
    {
        if (!Relocatable)
            return Math.Max(PrefAddress, loadAddress);
        ulong aligned = (loadAddress + KernelAlignment - 1) & ~((ulong)KernelAlignment - 1);
        return Math.Max(aligned, PrefAddress);
    }
}
