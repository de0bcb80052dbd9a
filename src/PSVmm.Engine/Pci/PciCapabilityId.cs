namespace PSVmm.Engine.Pci;

/// <summary>Capability IDs (PCI Local Bus 3.0 appendix H) used by PSVmm, and display names for snapshots.</summary>
public static class PciCapabilityId
{
    public const byte PowerManagement = 0x01;
    public const byte Msi = 0x05;
    public const byte VendorSpecific = 0x09;
    public const byte PciExpress = 0x10;
    public const byte MsiX = 0x11;

    public static string NameOf(byte id) => id switch
    {
        PowerManagement => "PowerManagement",
        0x02 => "AGP",
        0x03 => "VPD",
        0x04 => "SlotId",
        Msi => "MSI",
        0x06 => "CompactPCIHotSwap",
        0x07 => "PCI-X",
        0x08 => "HyperTransport",
        VendorSpecific => "VendorSpecific",
        0x0A => "DebugPort",
        0x0C => "PCIHotPlug",
        0x0D => "BridgeSubsystemVendorId",
        PciExpress => "PCIExpress",
        MsiX => "MSI-X",
        0x12 => "SATA",
        0x13 => "AdvancedFeatures",
        _ => $"0x{id:x2}",
    };
}

/// <summary>A capability placed in configuration space: its ID, offset and length in bytes; <paramref name="Extended"/> for PCI Express extended capabilities (16-bit IDs, offset &gt;= 0x100).</summary>
public sealed record PciCapability(ushort Id, int Offset, int Length, bool Extended = false)
{
    public string Name => Extended ? $"Extended 0x{Id:x4}" : PciCapabilityId.NameOf((byte)Id);
}
