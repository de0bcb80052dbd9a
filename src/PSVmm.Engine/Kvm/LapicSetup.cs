using System.Buffers.Binary;

namespace PSVmm.Engine.Kvm;

/// <summary>
/// Local APIC LVT set-up as a BIOS leaves it for a PIC-compatible machine (Intel SDM Vol. 3A
/// §11.5.1; MP spec §3.6.2 virtual wire mode): LINT0 delivers ExtINT from the 8259, LINT1 NMI.
/// </summary>
internal static class LapicSetup
{
    public const int Lint0Offset = 0x350;
    public const int Lint1Offset = 0x360;
    public const uint DeliveryModeMask = 0x700;
    public const uint DeliveryExtInt = 0x700;
    public const uint DeliveryNmi = 0x400;

    public static void SetVirtualWire(byte[] lapic)
    {
        SetDeliveryMode(lapic, Lint0Offset, DeliveryExtInt);
        SetDeliveryMode(lapic, Lint1Offset, DeliveryNmi);
    }

    public static uint DeliveryMode(byte[] lapic, int offset) =>
        BinaryPrimitives.ReadUInt32LittleEndian(lapic.AsSpan(offset)) & DeliveryModeMask;

    private static void SetDeliveryMode(byte[] lapic, int offset, uint mode)
    {
        uint value = BinaryPrimitives.ReadUInt32LittleEndian(lapic.AsSpan(offset));
        BinaryPrimitives.WriteUInt32LittleEndian(lapic.AsSpan(offset), (value & ~DeliveryModeMask) | mode);
    }
}
