using System.Buffers.Binary;

namespace PSVmm.Engine.Virtio.Transport;

// The same registers seen through the legacy interface of a transitional device (virtio 1.2
// §4.1.4.10, §4.1.5.1.1.1), the virtio 0.9.5 header at the start of I/O BAR 0:
//
//   0x00 le32 host features (bits 0-31, RO)     0x0E le16 queue select
//   0x04 le32 guest features                     0x10 le16 queue notify (the transport's)
//   0x08 le32 queue address (PFN, 4 KiB pages)   0x12 u8   device status (WriteStatus)
//   0x0C le16 queue size (RO: the maximum)       0x13 u8   ISR (the transport's; read clears)
//   MSI-X enabled: 0x14 le16 config vector, 0x16 le16 queue vector.
//
// Legacy rules: no FEATURES_OK (the features the driver wrote take effect at DRIVER_OK, masked to
// what was offered; see ReadyForDriverOk); the queue size is fixed at the maximum; a non-zero PFN
// places and enables the queue with the legacy layout (§2.7.2 legacy note: available ring right
// after the descriptors, used ring at the next 4096-byte boundary); PFN 0 disables it.
public sealed partial class VirtioPciCommonConfig
{
    internal const int LegacyHostFeatures = 0x00;
    internal const int LegacyGuestFeatures = 0x04;
    internal const int LegacyQueuePfn = 0x08;
    internal const int LegacyQueueSize = 0x0C;
    internal const int LegacyQueueSelect = 0x0E;
    internal const int LegacyQueueNotify = 0x10;
    internal const int LegacyStatus = 0x12;
    internal const int LegacyIsr = 0x13;
    internal const int LegacyConfigVector = 0x14;
    internal const int LegacyQueueVector = 0x16;

    /// <summary>The header's length with the MSI-X vectors (the device configuration follows it).</summary>
    internal const int LegacyHeaderLength = 0x18;

    private const int LegacyPageShift = 12;
    private const ulong LegacyAlign = 4096;

    /// <summary>Fills the legacy header image, but for the ISR byte and queue notify (0).</summary>
    public void ReadLegacyHeader(Span<byte> header)
    {
        header.Clear();
        VirtioQueueConfig? q = TrySelectQueue(out int index) ? _queues[index] : null;
        BinaryPrimitives.WriteUInt32LittleEndian(header[LegacyHostFeatures..], (uint)OfferedFeatures);
        BinaryPrimitives.WriteUInt32LittleEndian(header[LegacyGuestFeatures..], (uint)DriverFeatures);
        BinaryPrimitives.WriteUInt32LittleEndian(header[LegacyQueuePfn..], q is { Enabled: true } ? (uint)(q.DescriptorAddress >> LegacyPageShift) : 0);
        BinaryPrimitives.WriteUInt16LittleEndian(header[LegacyQueueSize..], q?.MaxSize ?? 0);
        BinaryPrimitives.WriteUInt16LittleEndian(header[LegacyQueueSelect..], _queueSelect);
        header[LegacyStatus] = (byte)Status;
        BinaryPrimitives.WriteUInt16LittleEndian(header[LegacyConfigVector..], ConfigVector);
        BinaryPrimitives.WriteUInt16LittleEndian(header[LegacyQueueVector..], q?.MsixVector ?? VirtioQueueConfig.NoVector);
    }

    /// <summary>
    /// Applies a driver write to a legacy header field other than device status and queue notify;
    /// an ignored write is counted. The vector fields exist only while <paramref name="msixEnabled"/>.
    /// </summary>
    public void WriteLegacy(int field, ReadOnlySpan<byte> data, bool msixEnabled)
    {
        if (!WriteLegacyField(field, data, msixEnabled))
            IgnoredWrites++;
    }

    private bool WriteLegacyField(int field, ReadOnlySpan<byte> data, bool msixEnabled)
    {
        switch (field, data.Length)
        {
            case (LegacyGuestFeatures, 4):
                if (DriverOk)
                    return false;
                DriverFeatures = BinaryPrimitives.ReadUInt32LittleEndian(data);
                return true;
            case (LegacyQueuePfn, 4):
                return WriteLegacyPfn(BinaryPrimitives.ReadUInt32LittleEndian(data));
            case (LegacyQueueSelect, 2):
                _queueSelect = BinaryPrimitives.ReadUInt16LittleEndian(data);
                return true;
            case (LegacyConfigVector, 2) when msixEnabled:
                ConfigVector = CheckedVector(BinaryPrimitives.ReadUInt16LittleEndian(data));
                return true;
            case (LegacyQueueVector, 2) when msixEnabled:
                return WriteQueueVector(BinaryPrimitives.ReadUInt16LittleEndian(data));
            default:
                return false;   // host features, queue size, ISR are read-only; wrong widths
        }
    }

    private bool WriteLegacyPfn(uint pfn)
    {
        if (!TrySelectQueue(out int index) || DriverOk || DriverOkPending)
            return false;
        var q = _queues[index];
        if (pfn == 0)
        {
            _queues[index] = q with { Enabled = false, DescriptorAddress = 0, DriverAddress = 0, DeviceAddress = 0 };
            return true;
        }
        ulong size = q.MaxSize;
        ulong descriptors = (ulong)pfn << LegacyPageShift;
        ulong driver = descriptors + 16 * size;
        ulong device = (driver + 6 + 2 * size + LegacyAlign - 1) & ~(LegacyAlign - 1);
        _queues[index] = q with { Size = q.MaxSize, DescriptorAddress = descriptors, DriverAddress = driver, DeviceAddress = device, Enabled = true };
        return true;
    }
}
