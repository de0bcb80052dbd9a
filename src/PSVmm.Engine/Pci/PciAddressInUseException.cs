namespace PSVmm.Engine.Pci;

/// <summary>Thrown when a device is placed at a PCI address another function already holds, or when no slot is left.</summary>
public sealed class PciAddressInUseException : InvalidOperationException
{
    public PciAddressInUseException(string message) : base(message) { }

    public PciAddressInUseException(PciAddress address, string newDevice, string existingDevice)
        : base($"PCI address {address} is already used by '{existingDevice}'; cannot add '{newDevice}' there.")
    {
        Address = address;
    }

    public PciAddress? Address { get; }
}
