using System.Buffers.Binary;
using System.Text;

namespace PSVmm.Engine.Boot.Acpi;

/// <summary>
/// Fixed ACPI Description Table, revision 6 (ACPI 6.5 §5.2.9), for a hardware-reduced
/// platform (§4.1): no SCI, no PM1 event/control blocks, no PM timer, no GPE blocks, no FACS.
/// Linux accepts such an FADT when HW_REDUCED_ACPI is set and then needs neither an 8259 PIC
/// nor an ACPI PM timer. Power-off and reset go through the sleep control/status and reset
/// registers (<see cref="AcpiPowerRegisters"/>): with them and the DSDT's \_S5 Linux reports
/// "ACPI: PM: (supports S0 S5)" and powers off through ACPI. Byte offsets below are the ones of
/// the FADT format table in §5.2.9.
/// </summary>
public static class Fadt
{
    public const int Size = 276;
    public const byte Revision = 6;
    public const byte MinorRevision = 5;

    // Field offsets (§5.2.9).
    public const int DsdtOffset = 40;
    public const int SciIntOffset = 46;
    public const int PmTimerBlockOffset = 76;
    public const int IapcBootArchOffset = 109;
    public const int FlagsOffset = 112;
    public const int ResetRegisterOffset = 116;
    public const int ResetValueOffset = 128;
    public const int MinorVersionOffset = 131;
    public const int XDsdtOffset = 140;
    public const int XPmTimerBlockOffset = 208;
    public const int SleepControlRegisterOffset = 244;
    public const int SleepStatusRegisterOffset = 256;
    public const int HypervisorVendorOffset = 268;

    // Generic Address Structure (§5.2.3.2): space id, bit width, bit offset, access size, address.
    public const byte AddressSpaceSystemIo = 1;
    public const byte AccessSizeByte = 1;

    // IA-PC Boot Architecture Flags (§5.2.9.3).
    public const ushort BootArchLegacyDevices = 1 << 0;
    public const ushort BootArch8042 = 1 << 1;
    public const ushort BootArchVgaNotPresent = 1 << 2;
    public const ushort BootArchCmosRtcNotPresent = 1 << 5;

    // FADT Fixed Feature Flags (§5.2.9, the Flags field at offset 112).
    public const uint FlagWbinvd = 1 << 0;
    public const uint FlagPowerButton = 1 << 4;   // 1 = no fixed-feature power button
    public const uint FlagSleepButton = 1 << 5;   // 1 = no fixed-feature sleep button
    public const uint FlagResetRegisterSupported = 1 << 10;
    public const uint FlagHardwareReduced = 1 << 20;

    public static byte[] Build(ulong dsdtAddress)
    {
        if (dsdtAddress > uint.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(dsdtAddress), "The DSDT must lie below 4 GiB.");
        var body = new byte[Size - AcpiTable.HeaderSize];
        var t = body.AsSpan();
        int H = AcpiTable.HeaderSize;
        // DSDT and X_DSDT both name the same table (ACPICA warns when they differ).
        BinaryPrimitives.WriteUInt32LittleEndian(t[(DsdtOffset - H)..], (uint)dsdtAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(t[(XDsdtOffset - H)..], dsdtAddress);
        // The machine has the COM1 UART and an i8042 (reset) but no VGA and no CMOS RTC.
        BinaryPrimitives.WriteUInt16LittleEndian(t[(IapcBootArchOffset - H)..],
            BootArchLegacyDevices | BootArch8042 | BootArchVgaNotPresent | BootArchCmosRtcNotPresent);
        BinaryPrimitives.WriteUInt32LittleEndian(t[(FlagsOffset - H)..],
            FlagWbinvd | FlagPowerButton | FlagSleepButton | FlagResetRegisterSupported | FlagHardwareReduced);
        WriteByteIoRegister(t[(ResetRegisterOffset - H)..], AcpiPowerRegisters.Port + AcpiPowerRegisters.ResetOffset);
        t[ResetValueOffset - H] = AcpiPowerRegisters.ResetValue;
        WriteByteIoRegister(t[(SleepControlRegisterOffset - H)..], AcpiPowerRegisters.Port + AcpiPowerRegisters.SleepControlOffset);
        WriteByteIoRegister(t[(SleepStatusRegisterOffset - H)..], AcpiPowerRegisters.Port + AcpiPowerRegisters.SleepStatusOffset);
        t[MinorVersionOffset - H] = MinorRevision;
        Encoding.ASCII.GetBytes("PSVmm\0\0\0", t[(HypervisorVendorOffset - H)..]);
        return AcpiTable.Build("FACP", Revision, body);
    }

    private static void WriteByteIoRegister(Span<byte> gas, int port)
    {
        gas[0] = AddressSpaceSystemIo;
        gas[1] = 8;     // bit width
        gas[2] = 0;     // bit offset
        gas[3] = AccessSizeByte;
        BinaryPrimitives.WriteUInt64LittleEndian(gas[4..], (ulong)port);
    }
}
