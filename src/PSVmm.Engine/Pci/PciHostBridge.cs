using PSVmm.Engine.Bus;

namespace PSVmm.Engine.Pci;

/// <summary>
/// The host bridge at 00:00.0 (class 0x060000, PCI Local Bus 3.0 appendix D). Linux probing
/// without ACPI looks for an Intel host bridge here before trusting conf1. Device ID 0x0D57 is
/// the ID cloud-hypervisor gives its virtual PCIe host bridge: no Linux chipset quirk matches it,
/// unlike the i440FX (0x1237) or Q35 (0x29C0) IDs, whose quirks expect registers we lack.
/// It has no BARs and no capabilities.
/// </summary>
public sealed class PciHostBridge : PciFunction
{
    public const ushort IntelVendorId = 0x8086;
    public const ushort HostBridgeDeviceId = 0x0D57;
    public const uint HostBridgeClass = 0x06_00_00;

    public PciHostBridge()
        : base("host-bridge", new PciIdentity(IntelVendorId, HostBridgeDeviceId, HostBridgeClass))
    {
    }

    public override IDeviceRegion? GetBarRegion(int index) => null;
}
