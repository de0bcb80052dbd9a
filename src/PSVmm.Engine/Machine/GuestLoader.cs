using PSVmm.Engine.Boot;
using PSVmm.Engine.Boot.Acpi;
using PSVmm.Engine.Boot.Linux;
using PSVmm.Engine.Memory;
using PSVmm.Engine.Platform;

namespace PSVmm.Engine.Machine;

/// <summary>Chooses the loader for a kernel image: Multiboot ELF first, then Linux.</summary>
internal static class GuestLoader
{
    public sealed record Loaded(EntryState Entry, string EffectiveKernelArgs);

    /// <summary>Throws <see cref="VmException"/> (InvalidKernelImage, InitrdNotFound) for an image no loader accepts.</summary>
    public static Loaded Load(IGuestMemory memory, VmConfig config, CpuProfile profile)
    {
        byte[] kernel = ReadFile(config.KernelPath, "KernelImageNotFound", "kernel image");
        try
        {
            ulong memoryBytes = (ulong)config.MemoryMB * 1024 * 1024;
            var (mmio64Start, mmio64Size) = MemoryLayout.Mmio64Window(memoryBytes);
            if (MultibootLoader.IsMultiboot(kernel))
            {
                var entry = MultibootLoader.Load(memory, kernel, config.KernelArgs);
                // What firmware leaves behind: a multiboot OS finds the ACPI tables through the RSDP
                // in the BIOS area (ACPI 6.5 §5.2.5.1), e.g. the FADT's power-off register.
                AcpiTableBuilder.Write(memory, new AcpiMachineDescription(config.CpuCount, memoryBytes)
                {
                    HighMmioBase = mmio64Start,
                    HighMmioSize = mmio64Size,
                });
                return new Loaded(entry, config.KernelArgs);
            }
            if (LinuxBoot.IsLinuxKernel(kernel))
            {
                byte[]? initrd = config.InitrdPath is null ? null : ReadFile(config.InitrdPath, "InitrdNotFound", "initrd");
                string args = profile == CpuProfile.Pvm && config.PvmKernelArgs ? PvmKernelArgs.Append(config.KernelArgs) : config.KernelArgs;
                var request = new LinuxBootRequest(kernel, initrd, args, config.CpuCount, memoryBytes)
                {
                    HighMmioBase = mmio64Start,
                    HighMmioSize = mmio64Size,
                };
                return new Loaded(LinuxBoot.Load(memory, request), args);
            }
        }
        catch (Exception e) when (e is InvalidDataException or GuestMemoryException)
        {
            throw new VmException("InvalidKernelImage", VmErrorCategory.InvalidData, $"{config.KernelPath}: {e.Message}", e);
        }
        throw new VmException("InvalidKernelImage", VmErrorCategory.InvalidData,
            $"{config.KernelPath} is neither a Multiboot ELF nor a Linux kernel.");
    }

    private static byte[] ReadFile(string? path, string errorId, string what)
    {
        if (string.IsNullOrEmpty(path))
            throw new VmException(errorId, VmErrorCategory.ObjectNotFound, $"No {what} was given.");
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VmException(errorId, VmErrorCategory.ObjectNotFound, $"Cannot read the {what} {path}: {e.Message}", e);
        }
    }
}
