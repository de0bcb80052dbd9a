namespace PSVmm.Engine.Pci;

/// <summary>
/// The read-only identification a function reports in its header (PCI Local Bus 3.0 §6.2.1).
/// <paramref name="ClassCode"/> is the 24-bit value base class &lt;&lt; 16 | subclass &lt;&lt; 8 | programming interface.
/// <paramref name="InterruptPin"/> is 0 for no INTx, 1..4 for INTA#..INTD#.
/// </summary>
public sealed record PciIdentity(
    ushort VendorId,
    ushort DeviceId,
    uint ClassCode,
    byte Revision = 0,
    ushort SubsystemVendorId = 0,
    ushort SubsystemId = 0,
    byte InterruptPin = 0);
