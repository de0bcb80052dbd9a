namespace PSVmm.Engine.Pci;

/// <summary>
/// How bus-0 INTx pins reach IOAPIC inputs. Pins of slot S are swizzled across GSIs 16-19
/// (IOAPIC pins above the ISA range): GSI = 16 + ((S + pin - 1) mod 4) with pin 1..4 for
/// INTA#..INTD#, the usual rotation so neighbouring slots' INTA# spread over the four lines
/// (PCI-to-PCI Bridge Architecture 1.2 §9.1 uses the same rotation). The ACPI _PRT must
/// describe exactly this mapping. The lines are level-triggered and shared; the sink is told
/// asserted/deasserted, polarity is the interrupt controller's business.
/// </summary>
public static class PciIntxRouting
{
    public const uint FirstGsi = 16;
    public const int Lines = 4;

    public static uint GsiFor(int slot, int pin)
    {
        if ((uint)slot > PciAddress.MaxDevice)
            throw new ArgumentOutOfRangeException(nameof(slot), $"Slot {slot} is outside 0..31.");
        if (pin < 1 || pin > 4)
            throw new ArgumentOutOfRangeException(nameof(pin), $"Pin {pin} is outside 1 (INTA#)..4 (INTD#).");
        return FirstGsi + (uint)((slot + pin - 1) % Lines);
    }
}
