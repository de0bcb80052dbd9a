using PSVmm.Engine.Pci;

namespace PSVmm.Model;

/// <summary>One function on a running VM's PCI bus 0, as Get-VmPciDevice writes it.</summary>
public sealed class VmPciDevice
{
    internal VmPciDevice(string vmName, PciDeviceInfo info)
    {
        VmName = vmName;
        Address = info.Address.ToShortString();
        Name = info.Name;
        VendorId = info.VendorId;
        DeviceId = info.DeviceId;
        SubsystemVendorId = info.SubsystemVendorId;
        SubsystemId = info.SubsystemId;
        ClassCode = info.ClassCode;
        Class = PciClassNames.Describe(info.ClassCode);
        Revision = info.Revision;
        HeaderType = info.HeaderType;
        Command = info.Command;
        Status = info.Status;
        InterruptLine = info.InterruptLine;
        InterruptPin = info.InterruptPin;
        Bars = info.Bars;
        Capabilities = info.Capabilities;
    }

    public string VmName { get; }

    /// <summary>Bus:slot.function in hexadecimal, as lspci shows it ("00:05.0").</summary>
    public string Address { get; }

    public string Name { get; }
    public ushort VendorId { get; }
    public ushort DeviceId { get; }
    public ushort SubsystemVendorId { get; }
    public ushort SubsystemId { get; }

    /// <summary>Base class &lt;&lt; 16 | subclass &lt;&lt; 8 | programming interface.</summary>
    public uint ClassCode { get; }

    /// <summary>The class code by name (PCI Code and ID Assignment Specification).</summary>
    public string Class { get; }

    public byte Revision { get; }
    public byte HeaderType { get; }
    public PciCommand Command { get; }
    public PciStatus Status { get; }
    public byte InterruptLine { get; }

    /// <summary>0: no INTx; 1..4: INTA#..INTD#.</summary>
    public byte InterruptPin { get; }

    public IReadOnlyList<PciBarInfo> Bars { get; }
    public IReadOnlyList<PciCapabilityInfo> Capabilities { get; }

    public override string ToString() => $"{Address} {VendorId:x4}:{DeviceId:x4} {Name}";
}
