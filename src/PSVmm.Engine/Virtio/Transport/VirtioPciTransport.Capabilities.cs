using System.Buffers.Binary;

namespace PSVmm.Engine.Virtio.Transport;

// The virtio structure capabilities (virtio 1.2 §4.1.4): vendor-specific capabilities of the form
// struct virtio_pci_cap { u8 cap_vndr, cap_next, cap_len, cfg_type, bar, id, padding[2]; le32 offset, length; }
// and the PCI configuration access capability (§4.1.4.8) whose pci_cfg_data window reaches BAR contents.
public sealed partial class VirtioPciTransport
{
    private const int CapBar = 4;
    private const int CapOffset = 8;
    private const int CapLength = 12;
    private const int CfgData = 16;

    /// <summary>Offset in configuration space of each virtio capability, by cfg_type.</summary>
    public IReadOnlyDictionary<VirtioPciCapType, int> CapabilityOffsets => _capabilityOffsets;

    private readonly Dictionary<VirtioPciCapType, int> _capabilityOffsets = [];

    private int PciCfgCap => _capabilityOffsets[VirtioPciCapType.PciConfig];

    private void AddStructureCapabilities(VirtioDevice device)
    {
        // Linux takes the first capability of each type it can use, so order does not matter; this is QEMU's.
        AddVirtioCapability(VirtioPciCapType.CommonConfig, VirtioPciLayout.Bar, VirtioPciLayout.CommonOffset, VirtioPciLayout.CommonLength);
        AddVirtioCapability(VirtioPciCapType.IsrConfig, VirtioPciLayout.Bar, VirtioPciLayout.IsrOffset, VirtioPciLayout.IsrLength);
        // §4.1.4.6: the device configuration capability is present only when the device has a configuration space.
        if (device.ConfigSize > 0)
            AddVirtioCapability(VirtioPciCapType.DeviceConfig, VirtioPciLayout.Bar, VirtioPciLayout.DeviceConfigOffset, (uint)device.ConfigSize);
        AddVirtioCapability(VirtioPciCapType.NotifyConfig, VirtioPciLayout.Bar, VirtioPciLayout.NotifyOffset,
            VirtioPciLayout.NotifyLength(device.QueueCount), extra: VirtioPciLayout.NotifyOffMultiplier);

        // §4.1.4.8: bar, offset, length and pci_cfg_data are driver-writable; bar/offset/length start at 0.
        int cfg = AddVirtioCapability(VirtioPciCapType.PciConfig, 0, 0, 0, extra: 0);
        Config.SetWriteMaskByte(cfg + CapBar, 0xFF);
        Config.SetWriteMask(cfg + CapOffset, 0xFFFF_FFFFu);
        Config.SetWriteMask(cfg + CapLength, 0xFFFF_FFFFu);
        Config.SetWriteMask(cfg + CfgData, 0xFFFF_FFFFu);
    }

    private int AddVirtioCapability(VirtioPciCapType type, int bar, ulong offset, uint length, uint? extra = null)
    {
        // body starts at cfg_type (byte 3): cfg_type, bar, id, padding[2], offset, length [, extra]
        Span<byte> body = stackalloc byte[extra is null ? 13 : 17];
        body.Clear();
        body[0] = (byte)type;
        body[1] = (byte)bar;
        BinaryPrimitives.WriteUInt32LittleEndian(body[5..], (uint)offset);
        BinaryPrimitives.WriteUInt32LittleEndian(body[9..], length);
        if (extra is { } value)
            BinaryPrimitives.WriteUInt32LittleEndian(body[13..], value);
        int at = Config.AddVendorCapability(body);
        _capabilityOffsets[type] = at;
        return at;
    }

    // ---- PCI configuration access (§4.1.4.8) ---------------------------------------------

    public override void ReadConfig(int offset, Span<byte> data)
    {
        // §4.1.4.8.1: a read touching pci_cfg_data reads cap.length bytes at cap.offset of BAR cap.bar into it first.
        if (TouchesCfgData(offset, data.Length) && CfgAccessTarget() is { } target)
        {
            Span<byte> window = stackalloc byte[4];
            window.Clear();
            target.Region.Read(target.Offset, window[..target.Length]);
            Config.SetBytes(PciCfgCap + CfgData, window);
        }
        base.ReadConfig(offset, data);
    }

    public override void WriteConfig(int offset, ReadOnlySpan<byte> data)
    {
        base.WriteConfig(offset, data);
        // §4.1.4.8.1: a write touching pci_cfg_data writes its first cap.length bytes to cap.offset of BAR cap.bar.
        if (TouchesCfgData(offset, data.Length) && CfgAccessTarget() is { } target)
        {
            Span<byte> window = stackalloc byte[4];
            for (int i = 0; i < 4; i++)
                window[i] = Config.ReadByte(PciCfgCap + CfgData + i);
            target.Region.Write(target.Offset, window[..target.Length]);
        }
    }

    private bool TouchesCfgData(int offset, int length)
    {
        long start = PciCfgCap + CfgData;
        return length > 0 && offset < start + 4 && offset + (long)length > start;
    }

    /// <summary>The BAR access cap.bar/offset/length describe, or null when it is invalid (§4.1.4.8.2: length 1, 2 or 4, offset aligned to it, inside an implemented BAR).</summary>
    private (Bus.IDeviceRegion Region, ulong Offset, int Length)? CfgAccessTarget()
    {
        int cap = PciCfgCap;
        int bar = Config.ReadByte(cap + CapBar);
        uint offset = Config.ReadDword(cap + CapOffset);
        uint length = Config.ReadDword(cap + CapLength);
        if (length is not (1 or 2 or 4) || offset % length != 0)
            return null;
        var definition = Config.GetBar(bar);
        var region = GetBarRegion(bar);
        if (definition is null || region is null || (ulong)offset + length > definition.Size)
            return null;
        return (region, offset, (int)length);
    }
}
