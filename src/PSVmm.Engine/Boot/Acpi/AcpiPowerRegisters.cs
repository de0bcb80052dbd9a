namespace PSVmm.Engine.Boot.Acpi;

/// <summary>
/// The power-management registers of the hardware-reduced platform (ACPI 6.5 §4.1) as the FADT and
/// DSDT publish them and <see cref="Devices.Acpi.AcpiPowerDevice"/> serves them: four byte-wide
/// I/O ports. Hardware-reduced ACPI has no PM1 blocks and no SCI, so sleep and reset go through
/// the FADT's SLEEP_CONTROL_REG, SLEEP_STATUS_REG and RESET_REG (§4.8.3.7, §4.8.3.8, §4.8.3.6), and
/// the power button is a Generic Event Device interrupt (§5.6.9) whose _EVT reads which event fired.
/// </summary>
public static class AcpiPowerRegisters
{
    /// <summary>The first port; inside 0x0000-0x0CF7, below where Linux places PCI I/O BARs (0x1000).</summary>
    public const ushort Port = 0x600;
    public const int Length = 4;

    public const int SleepControlOffset = 0;
    public const int SleepStatusOffset = 1;
    public const int ResetOffset = 2;
    /// <summary>The GED's event selector: which events are pending; reading it clears them.</summary>
    public const int GedEventOffset = 3;

    // Sleep control register (§4.8.3.7): SLP_TYPx in bits 4:2, SLP_EN in bit 5.
    public const int SleepTypeShift = 2;
    public const byte SleepTypeMask = 0x1C;
    public const byte SleepEnable = 0x20;
    /// <summary>The S5 (soft off) sleep type, the first element of the DSDT's \_S5 package.</summary>
    public const byte S5SleepType = 5;
    /// <summary>Sleep status register (§4.8.3.8) bit 7.</summary>
    public const byte WakeStatus = 0x80;

    /// <summary>The FADT's RESET_VALUE: writing it to the reset register resets the machine.</summary>
    public const byte ResetValue = 0x01;

    /// <summary>GED event selector bit: the power button was pressed.</summary>
    public const byte GedPowerButton = 0x01;

    /// <summary>
    /// The GED's interrupt: an IOAPIC pin no other device uses (COM1 is 4, PCI INTx 16-19),
    /// level-triggered, active high; the line stays up until _EVT reads the event selector.
    /// </summary>
    public const uint GedGsi = 23;
}
