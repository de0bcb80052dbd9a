using PSVmm.Engine.Boot.Acpi;

namespace PSVmm.Engine.Boot.Linux;

/// <summary>Which entry the kernel was started through.</summary>
public enum LinuxBootProtocol
{
    /// <summary>bzImage, 64-bit boot protocol (boot_params in RSI).</summary>
    BzImage64,
    /// <summary>ELF vmlinux, startup_64 with boot_params in RSI.</summary>
    Vmlinux64,
    /// <summary>ELF vmlinux, PVH 32-bit entry with hvm_start_info in EBX.</summary>
    Pvh,
}

/// <summary>The entry state and where the loader put things (for diagnostics and tests).</summary>
public sealed record LinuxBootResult(
    EntryState Entry,
    LinuxBootProtocol Protocol,
    ulong KernelStart,
    ulong KernelEnd,
    ulong? InitrdAddress,
    ulong CommandLineAddress,
    AcpiTablesLayout? Acpi,
    MpTableLayout? MpTable);
