using PSVmm.Engine.Machine;
using PSVmm.Engine.Pci.Msix;

namespace PSVmm.Model;

/// <summary>
/// One MSI-X table entry of a running disk, as Get-VmMsixTable writes it: what the guest
/// programmed (address, data, mask), the pending bit, the x86 decoding of address and data,
/// and the capability's Enabled and FunctionMasked bits (the same on every entry of a device).
/// </summary>
public sealed class VmMsixEntry
{
    internal VmMsixEntry(string vmName, VirtioBlkPciState disk, MsixEntryInfo entry)
    {
        VmName = vmName;
        DeviceId = disk.Id;
        PciAddress = disk.PciAddress.ToShortString();
        Vector = entry.Vector;
        Address = entry.Address;
        Data = entry.Data;
        Masked = entry.Masked;
        Pending = entry.Pending;
        DestinationApicId = entry.DestinationApicId;
        InterruptVector = entry.InterruptVector;
        DeliveryMode = entry.DeliveryMode;
        Enabled = disk.Msix.Enabled;
        FunctionMasked = disk.Msix.FunctionMasked;
    }

    public string VmName { get; }

    /// <summary>The disk's id (Add-VirtioBlkPci -Id).</summary>
    public string DeviceId { get; }

    public string PciAddress { get; }

    /// <summary>The table entry's index (virtio: 0 is usually the configuration vector, then one per queue).</summary>
    public int Vector { get; }

    /// <summary>Message address (on x86 0xFEExxxxx: the local APIC range).</summary>
    public ulong Address { get; }

    public uint Data { get; }

    /// <summary>The entry's own mask bit (Vector Control bit 0).</summary>
    public bool Masked { get; }

    /// <summary>The entry's Pending Bit Array bit: a message held back by a mask.</summary>
    public bool Pending { get; }

    /// <summary>Destination APIC ID, address bits 19:12.</summary>
    public byte DestinationApicId { get; }

    /// <summary>The CPU interrupt vector, data bits 7:0.</summary>
    public byte InterruptVector { get; }

    public MsiDeliveryMode DeliveryMode { get; }

    /// <summary>The MSI-X capability's Enable bit (Message Control bit 15).</summary>
    public bool Enabled { get; }

    /// <summary>The MSI-X capability's Function Mask bit (Message Control bit 14): every vector held back.</summary>
    public bool FunctionMasked { get; }

    public override string ToString() => $"{DeviceId} vector {Vector}: 0x{Address:x} 0x{Data:x}";
}
