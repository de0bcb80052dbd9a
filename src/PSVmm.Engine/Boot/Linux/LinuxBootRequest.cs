namespace PSVmm.Engine.Boot.Linux;

/// <summary>What a Linux boot needs from the machine.</summary>
public sealed record LinuxBootRequest(
    ReadOnlyMemory<byte> Kernel,
    ReadOnlyMemory<byte>? Initrd,
    string CommandLine,
    int CpuCount,
    ulong MemoryBytes)
{
    /// <summary>Write the ACPI tables (RSDP, XSDT, FADT, MADT, MCFG, DSDT) and pass the RSDP to the kernel.</summary>
    public bool Acpi { get; init; } = true;

    /// <summary>Write the Intel MP tables too, for kernels booted with acpi=off (they need CONFIG_X86_MPPARSE).</summary>
    public bool MpTable { get; init; } = true;

    /// <summary>Boot a vmlinux through its PVH entry when it has the Xen PHYS32_ENTRY note.</summary>
    public bool PreferPvh { get; init; } = true;

    /// <summary>The 64-bit PCI memory window (above RAM, above 4 GiB) the DSDT gives the host bridge; none when the size is 0.</summary>
    public ulong HighMmioBase { get; init; }

    public ulong HighMmioSize { get; init; }
}
