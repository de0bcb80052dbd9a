using R = PSVmm.Engine.Pci.PciConfigRegisters;

namespace PSVmm.Engine.Pci;

/// <summary>A BAR as a snapshot shows it; <paramref name="Enabled"/> is whether its decode bit is on (and, with a mapper, whether it is mapped).</summary>
public sealed record PciBarInfo(int Index, PciBarKind Kind, bool Prefetchable, ulong Address, ulong Size, bool Enabled)
{
    /// <summary>"BAR4 Memory64 0xe0000000 16 KiB prefetchable" (", disabled" when it does not decode).</summary>
    public override string ToString() =>
        $"BAR{Index} {Kind} 0x{Address:x} {SizeText(Size)}{(Prefetchable ? " prefetchable" : "")}{(Enabled ? "" : ", disabled")}";

    private static string SizeText(ulong size) => size switch
    {
        >= 1UL << 30 when size % (1UL << 30) == 0 => $"{size >> 30} GiB",
        >= 1UL << 20 when size % (1UL << 20) == 0 => $"{size >> 20} MiB",
        >= 1UL << 10 when size % (1UL << 10) == 0 => $"{size >> 10} KiB",
        _ => $"{size} B",
    };
}

/// <summary>A capability as a snapshot shows it.</summary>
public sealed record PciCapabilityInfo(ushort Id, int Offset, string Name)
{
    /// <summary>"MSI-X at 0x40".</summary>
    public override string ToString() => $"{Name} at 0x{Offset:x2}";
}

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
