namespace PSVmm.Engine.Boot.Acpi;

/// <summary>
/// What the ACPI tables describe about the machine. Grows as more of the machine is described
/// (PCI devices, more UARTs); every member beyond the first two has a default.
/// </summary>
/// <param name="CpuCount">vCPUs; APIC ids 0..CpuCount-1.</param>
/// <param name="MemoryBytes">Guest RAM size.</param>
public sealed record AcpiMachineDescription(int CpuCount, ulong MemoryBytes)
{
    /// <summary>Base of the 64-bit PCI memory window (above RAM); no 64-bit window when <see cref="HighMmioSize"/> is 0.</summary>
    public ulong HighMmioBase { get; init; }

    public ulong HighMmioSize { get; init; }

    /// <summary>Whether the DSDT describes COM1 (PNP0501 at 0x3F8, IRQ 4).</summary>
    public bool HasCom1 { get; init; } = true;
}
