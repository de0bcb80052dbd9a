using PSVmm.Engine.Memory;

namespace PSVmm.Engine.Boot.Linux;

/// <summary>
/// CONTRACT STUB (the Linux boot work fills it): loads a Linux kernel (bzImage or ELF vmlinux),
/// its initrd and command line, writes boot_params/e820/ACPI (and MP) tables, and returns
/// the boot vCPU's entry state.
/// </summary>
public static class LinuxBoot
{
    /// <summary>True for a bzImage ("HdrS" at 0x202) or an x86_64 ELF vmlinux.</summary>
    public static bool IsLinuxKernel(ReadOnlySpan<byte> file) => throw new NotImplementedException();

    /// <summary>Throws InvalidDataException for a malformed or unsupported kernel.</summary>
    public static EntryState Load(IGuestMemory memory, LinuxBootRequest request) => throw new NotImplementedException();
}

/// <summary>What a Linux boot needs from the machine.</summary>
public sealed record LinuxBootRequest(
    ReadOnlyMemory<byte> Kernel,
    ReadOnlyMemory<byte>? Initrd,
    string CommandLine,
    int CpuCount,
    ulong MemoryBytes);
