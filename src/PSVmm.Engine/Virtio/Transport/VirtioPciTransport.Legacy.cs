using System.Buffers.Binary;

namespace PSVmm.Engine.Virtio.Transport;

// The legacy interface of a transitional device (virtio 1.2 §4.1.4.10, §4.1.5.1.1.1): an I/O BAR 0
// with the virtio 0.9.5 register layout, used by drivers that do not know the capabilities.
//
//   0x00 le32 host features (bits 0-31, RO)     0x0E le16 queue select
//   0x04 le32 guest features                     0x10 le16 queue notify (value = queue index)
//   0x08 le32 queue address (PFN, 4 KiB pages)   0x12 u8   device status
//   0x0C le16 queue size (RO: the maximum)       0x13 u8   ISR (read clears)
//   MSI-X enabled: 0x14 le16 config vector, 0x16 le16 queue vector; device configuration follows
//   at 0x18 (MSI-X enabled) or 0x14 (disabled).
//
// Legacy rules: no FEATURES_OK (the features the driver wrote take effect at DRIVER_OK, masked to
// what was offered); the queue size is fixed at the maximum; a non-zero PFN places and enables the
// queue with the legacy layout (§2.7.2 legacy note: available ring right after the descriptors,
// used ring at the next 4096-byte boundary); PFN 0 disables it. A driver using this BAR puts the
// transport in legacy mode until the next reset; the device then sees features without VERSION_1.
public sealed partial class VirtioPciTransport
{
    public const int LegacyBar = 0;
    public const ushort TransitionalDeviceIdBase = 0x1000;
    private const int LegacyHostFeatures = 0x00;
    private const int LegacyGuestFeatures = 0x04;
    private const int LegacyQueuePfn = 0x08;
    private const int LegacyQueueSize = 0x0C;
    private const int LegacyQueueSelect = 0x0E;
    private const int LegacyQueueNotify = 0x10;
    private const int LegacyStatus = 0x12;
    private const int LegacyIsr = 0x13;
    private const int LegacyConfigVector = 0x14;
    private const int LegacyQueueVector = 0x16;
    private const int LegacyPageShift = 12;
    private const ulong LegacyAlign = 4096;

    private bool _legacy;

    /// <summary>True when the device also offers the legacy interface (I/O BAR 0, device ID 0x1000 + type - 1).</summary>
    public bool IsTransitional { get; }

    /// <summary>True when the driver drives the device through the legacy interface (until the next reset).</summary>
    public bool InLegacyMode { get { lock (_lock) return _legacy; } }

    /// <summary>Size of the legacy I/O BAR: the registers with MSI-X vectors plus the device configuration, as a power of two.</summary>
    public static ulong LegacyBarSize(int configSize) =>
        ulong.Max(PSVmm.Engine.Pci.PciBarDefinition.MinIoSize, System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)(0x18 + configSize)));

    private int LegacyConfigBase => Msix.Table.Enabled ? 0x18 : 0x14;

    private void ReadLegacy(ulong offset, Span<byte> data)
    {
        data.Clear();
        if (data.Length == 0 || offset >= 0x100)
            return;
        int start = (int)offset;
        int configBase = LegacyConfigBase;
        Span<byte> header = stackalloc byte[0x18];
        lock (_lock)
        {
            FillLegacyHeaderLocked(header);
            // §4.1.4.5 (legacy too): reading the ISR clears it and deasserts INTx.
            if (start <= LegacyIsr && start + data.Length > LegacyIsr)
                SetIsrLocked(0);
        }
        for (int i = 0; i < data.Length && start + i < configBase; i++)
            data[i] = header[start + i];
        if (start + data.Length > configBase)
        {
            int skip = Math.Max(0, configBase - start);
            Device.ReadConfig((ulong)(start + skip - configBase), data[skip..]);
        }
    }

    private void FillLegacyHeaderLocked(Span<byte> header)
    {
        header.Clear();
        var q = SelectedQueueLocked();
        BinaryPrimitives.WriteUInt32LittleEndian(header[LegacyHostFeatures..], (uint)OfferedFeatures);
        BinaryPrimitives.WriteUInt32LittleEndian(header[LegacyGuestFeatures..], (uint)_driverFeatures);
        BinaryPrimitives.WriteUInt32LittleEndian(header[LegacyQueuePfn..], q is { Enabled: true } ? (uint)(q.DescriptorAddress >> LegacyPageShift) : 0);
        BinaryPrimitives.WriteUInt16LittleEndian(header[LegacyQueueSize..], q?.MaxSize ?? 0);
        BinaryPrimitives.WriteUInt16LittleEndian(header[LegacyQueueSelect..], _queueSelect);
        header[LegacyStatus] = (byte)_status;
        header[LegacyIsr] = _isr;
        BinaryPrimitives.WriteUInt16LittleEndian(header[LegacyConfigVector..], _configVector);
        BinaryPrimitives.WriteUInt16LittleEndian(header[LegacyQueueVector..], q?.MsixVector ?? VirtioQueueConfig.NoVector);
    }

    private void WriteLegacy(ulong offset, ReadOnlySpan<byte> data)
    {
        if (data.Length == 0 || offset >= 0x100)
            return;
        int field = (int)offset;
        int configBase = LegacyConfigBase;
        if (field >= configBase)
        {
            Device.WriteConfig((ulong)(field - configBase), data);
            return;
        }
        switch (field, data.Length)
        {
            case (LegacyStatus, 1):
                lock (_lock) _legacy = true;
                WriteStatus(data[0]);
                return;
            case (LegacyQueueNotify, 2):
                DeliverNotify(BinaryPrimitives.ReadUInt16LittleEndian(data));
                return;
        }
        lock (_lock)
        {
            _legacy = true;
            if (!WriteLegacyFieldLocked(field, data, configBase))
                _ignoredWrites++;
        }
    }

    private bool WriteLegacyFieldLocked(int field, ReadOnlySpan<byte> data, int configBase)
    {
        switch (field, data.Length)
        {
            case (LegacyGuestFeatures, 4):
                if ((_status & VirtioDeviceStatus.DriverOk) != 0)
                    return false;
                _driverFeatures = BinaryPrimitives.ReadUInt32LittleEndian(data);
                return true;
            case (LegacyQueuePfn, 4):
                return WriteLegacyPfnLocked(BinaryPrimitives.ReadUInt32LittleEndian(data));
            case (LegacyQueueSelect, 2):
                _queueSelect = BinaryPrimitives.ReadUInt16LittleEndian(data);
                return true;
            case (LegacyConfigVector, 2) when configBase == 0x18:
                _configVector = CheckedVector(BinaryPrimitives.ReadUInt16LittleEndian(data));
                return true;
            case (LegacyQueueVector, 2) when configBase == 0x18:
                if (SelectedQueueLocked() is not { } vq)
                    return false;
                vq.MsixVector = CheckedVector(BinaryPrimitives.ReadUInt16LittleEndian(data));
                return true;
            default:
                return false;   // host features, queue size, ISR are read-only; wrong widths
        }
    }

    private bool WriteLegacyPfnLocked(uint pfn)
    {
        if (SelectedQueueLocked() is not { } q || (_status & VirtioDeviceStatus.DriverOk) != 0 || _activating)
            return false;
        if (pfn == 0)
        {
            q.Enabled = false;
            q.DescriptorAddress = q.DriverAddress = q.DeviceAddress = 0;
            return true;
        }
        ulong size = q.MaxSize;
        q.Size = q.MaxSize;
        q.DescriptorAddress = (ulong)pfn << LegacyPageShift;
        q.DriverAddress = q.DescriptorAddress + 16 * size;
        q.DeviceAddress = (q.DriverAddress + 6 + 2 * size + LegacyAlign - 1) & ~(LegacyAlign - 1);
        q.Enabled = true;
        return true;
    }
}
