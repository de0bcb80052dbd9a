namespace PSVmm.Engine.Boot.Acpi;

/// <summary>
/// The firmware-table view (0-based pins, as ACPI _PRT and MP table entries number them) of
/// the one INTx routing the devices use, <see cref="Pci.PciIntxRouting"/>: slots 1-31 share
/// GSIs 16-19 in the rotating swizzle. The DSDT's _PRT and the MP table publish exactly this. The GSIs are level-triggered, active low (ACPI 6.5 §6.2.13: a _PRT entry
/// with Source 0 names a GSI that is level, active low, shareable).
/// </summary>
public static class PciInterruptRouting
{
    public const uint FirstGsi = Pci.PciIntxRouting.FirstGsi;
    public const int GsiCount = Pci.PciIntxRouting.Lines;
    public const int FirstSlot = 1;
    public const int LastSlot = 31;

    /// <summary>The GSI for <paramref name="pin"/> (0 = INTA# .. 3 = INTD#) of the device in <paramref name="slot"/> (1-31) on bus 0.</summary>
    public static uint GsiFor(int slot, int pin)
    {
        if (slot is < FirstSlot or > LastSlot)
            throw new ArgumentOutOfRangeException(nameof(slot), slot, "PCI slots 1-31 have INTx routes (slot 0 is the host bridge).");
        if (pin is < 0 or > 3)
            throw new ArgumentOutOfRangeException(nameof(pin), pin, "INTx pin is 0 (INTA#) to 3 (INTD#).");
        return Pci.PciIntxRouting.GsiFor(slot, pin + 1);
    }

    /// <summary>
    /// The PCI Interrupt Pin register value (PCI Local Bus 3.0 §6.2.4: 1 = INTA# .. 4 = INTD#, 0 = none)
    /// converted to the 0-based pin <see cref="GsiFor"/> takes; null for 0 or an invalid value.
    /// </summary>
    public static int? PinFromRegister(byte interruptPin) => interruptPin is >= 1 and <= 4 ? interruptPin - 1 : null;
}
