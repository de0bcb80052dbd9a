namespace PSVmm.Engine.Boot.Acpi;

/// <summary>
/// How PCI INTx pins of bus 0 reach the I/O APIC. Devices on slots 1-31 share GSIs 16-19 in the
/// usual rotating swizzle: GSI = 16 + ((slot + pin) mod 4), pin 0 = INTA# .. 3 = INTD#
/// (the rotation a PCI-to-PCI bridge applies, PCI-to-PCI Bridge Architecture 1.2, chapter 9, Table 9-1).
/// The DSDT's _PRT publishes exactly this table, so device code must raise INTx through
/// <see cref="GsiFor"/>. The GSIs are level-triggered, active low (ACPI 6.5 §6.2.13: a _PRT entry
/// with Source 0 names a GSI that is level, active low, shareable).
/// </summary>
public static class PciInterruptRouting
{
    public const uint FirstGsi = 16;
    public const int GsiCount = 4;
    public const int FirstSlot = 1;
    public const int LastSlot = 31;

    /// <summary>The GSI for <paramref name="pin"/> (0 = INTA# .. 3 = INTD#) of the device in <paramref name="slot"/> (1-31) on bus 0.</summary>
    public static uint GsiFor(int slot, int pin)
    {
        if (slot is < FirstSlot or > LastSlot)
            throw new ArgumentOutOfRangeException(nameof(slot), slot, "PCI slots 1-31 have INTx routes (slot 0 is the host bridge).");
        if (pin is < 0 or > 3)
            throw new ArgumentOutOfRangeException(nameof(pin), pin, "INTx pin is 0 (INTA#) to 3 (INTD#).");
        return FirstGsi + (uint)((slot + pin) % GsiCount);
    }

    /// <summary>
    /// The PCI Interrupt Pin register value (PCI Local Bus 3.0 §6.2.4: 1 = INTA# .. 4 = INTD#, 0 = none)
    /// converted to the 0-based pin <see cref="GsiFor"/> takes; null for 0 or an invalid value.
    /// </summary>
    public static int? PinFromRegister(byte interruptPin) => interruptPin is >= 1 and <= 4 ? interruptPin - 1 : null;
}
