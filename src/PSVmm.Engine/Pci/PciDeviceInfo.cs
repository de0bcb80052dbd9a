using R = PSVmm.Engine.Pci.PciConfigRegisters;

namespace PSVmm.Engine.Pci;

/// <summary>A BAR as a snapshot shows it; <paramref name="Enabled"/> is whether its decode bit is on (and, with a mapper, whether it is mapped).</summary>
public sealed record PciBarInfo(int Index, PciBarKind Kind, bool Prefetchable, ulong Address, ulong Size, bool Enabled);

/// <summary>A capability as a snapshot shows it.</summary>
public sealed record PciCapabilityInfo(ushort Id, int Offset, string Name);

/// <summary>An immutable copy of one function's configuration state, for cmdlets.</summary>
public sealed record PciDeviceInfo(
    PciAddress Address,
    string Name,
    ushort VendorId,
    ushort DeviceId,
    ushort SubsystemVendorId,
    ushort SubsystemId,
    uint ClassCode,
    byte Revision,
    byte HeaderType,
    PciCommand Command,
    PciStatus Status,
    byte InterruptLine,
    byte InterruptPin,
    IReadOnlyList<PciBarInfo> Bars,
    IReadOnlyList<PciCapabilityInfo> Capabilities)
{
    /// <summary>Copies <paramref name="device"/>'s state; pass the mapper to report BARs as enabled only while actually mapped.</summary>
    public static PciDeviceInfo Capture(PciAddress address, IPciDevice device, PciBarMapper? mapper = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        var config = device.Config;
        byte[] raw = config.Copy();
        ushort Word(int o) => BitConverter.ToUInt16(raw, o);
        var command = (PciCommand)Word(R.Command);

        var bars = config.Bars.Select(bar =>
        {
            bool decode = (command & (bar.IsMemory ? PciCommand.MemorySpace : PciCommand.IoSpace)) != 0;
            ulong programmed = config.GetBarAddress(bar.Index);
            bool enabled = mapper is null ? decode : mapper.MappedAddress(device, bar.Index) is not null;
            ulong shown = mapper?.MappedAddress(device, bar.Index) ?? programmed;
            return new PciBarInfo(bar.Index, bar.Kind, bar.Prefetchable, shown, bar.Size, enabled);
        }).ToArray();

        var capabilities = config.Capabilities.Concat(config.ExtendedCapabilities)
            .Select(c => new PciCapabilityInfo(c.Id, c.Offset, c.Name)).ToArray();

        return new PciDeviceInfo(
            address, device.Name,
            Word(R.VendorId), Word(R.DeviceId), Word(R.SubsystemVendorId), Word(R.SubsystemId),
            BitConverter.ToUInt32(raw, R.RevisionId) >> 8, raw[R.RevisionId], raw[R.HeaderType],
            command, (PciStatus)Word(R.Status), raw[R.InterruptLine], raw[R.InterruptPin],
            bars, capabilities);
    }
}
