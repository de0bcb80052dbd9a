using PSVmm.Engine.Boot;
using PSVmm.Engine.Boot.Linux;
using PSVmm.Engine.Memory;
using PSVmm.Engine.Platform;

namespace PSVmm.Fuzz;

/// <summary>
/// Target "boot": the host-side loaders of files a user may be handed. The first byte picks the
/// loader: 0 Linux (bzImage or ELF vmlinux) without initrd, 1 Linux with an initrd of a
/// fuzzer-chosen size, 2 Multiboot, 3 the parsers alone (ElfImage, VmlinuxImage, BzImage) and
/// InitrdPlacement with fuzzer-chosen bounds. The rest is the file.
/// </summary>
/// <remarks>
/// Contract: InvalidDataException (a bad image). Findings: any other exception; a
/// GuestMemoryException means the loader tried to write outside guest RAM without checking.
/// Guest RAM is mapped once per process and reused (the loaders only write it).
/// </remarks>
internal static class BootTarget
{
    public const ulong MemoryBytes = 64UL << 20;
    private static GuestMemory? s_memory;

    public static void Run(byte[] data)
    {
        var memory = s_memory ??= new GuestMemory(MemoryLayout.RamRegions(MemoryBytes));
        var input = new FuzzInput(data);
        byte mode = input.U8();
        try
        {
            switch (mode % 4)
            {
                case 0:
                    LinuxBoot.LoadDetailed(memory, new LinuxBootRequest(input.Rest(), null, "console=ttyS0", 1, MemoryBytes));
                    break;
                case 1:
                    // Initrd size first (its content does not matter to the loader), then the kernel.
                    var initrd = new byte[input.U32() % (8 << 20)];
                    LinuxBoot.LoadDetailed(memory, new LinuxBootRequest(input.Rest(), initrd, "console=ttyS0 acpi=off", 2, MemoryBytes) { PreferPvh = (mode & 4) != 0 });
                    break;
                case 2:
                    MultibootLoader.Load(memory, input.Rest(), "console=ttyS0");
                    break;
                default:
                    Parsers(input);
                    break;
            }
        }
        catch (InvalidDataException e)
        {
            // The loaders' contract for a bad image.
            Program.Note($"refused: {e.Message}");
            return;
        }

        Program.Note("loaded");
    }

    private static void Parsers(FuzzInput input)
    {
        // As LinuxBoot calls it: RAM below 4 GiB, the kernel inside it, any initrd_addr_max.
        ulong size = input.U32(), lowRamEnd = input.U32(), addressMax = input.U8() < 0x80 ? input.U32() : input.U64();
        ulong kernelEnd = input.U32() % (lowRamEnd + 1);
        if (size != 0)
        {
            ulong at = InitrdPlacement.Place(size, lowRamEnd, addressMax, kernelEnd);
            if (at % InitrdPlacement.PageSize != 0 || at < kernelEnd || at + size < at || at + size > lowRamEnd || at + size - 1 > addressMax)
                throw new FuzzFindingException($"initrd of 0x{size:x} placed at 0x{at:x} (RAM end 0x{lowRamEnd:x}, max 0x{addressMax:x}, kernel end 0x{kernelEnd:x})");
        }

        var file = input.Rest();
        Try(() => ElfImage.Parse(file));
        Try(() => VmlinuxImage.Parse(file));
        Try(() => BzImage.Parse(file));
    }

    private static void Try(Action parse)
    {
        try
        {
            parse();
        }
        catch (InvalidDataException)
        {
        }
    }
}
