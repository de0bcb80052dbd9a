using System.Buffers.Binary;

namespace PSVmm.Engine.Virtio.Transport;

// Driver accesses to the structure (virtio 1.2 §4.1.4.3). Reads of any width see a little-endian
// image of the fields. Writes must hit one field with its natural width (§4.1.3.1), a 64-bit
// field may be written whole or as two 32-bit halves; any other write is ignored and counted.
//
// What the driver may no longer change (ignored, counted):
//   driver_feature                      once FEATURES_OK is set (§2.2.2: features are fixed then);
//   queue_size, queue_desc/driver/device once the selected queue is enabled or DRIVER_OK is set
//                                       (§4.1.4.3.2: the driver sets them before enabling);
//   queue_enable                        0 is ignored (§4.1.4.3.2), 1 after DRIVER_OK is ignored (no RING_RESET).
// MSI-X vectors may be changed at any time: they only route interrupts.
// device_status is not written here: its writes may start or reset the device (see WriteStatus).
public sealed partial class VirtioPciCommonConfig
{
    /// <summary>Reads <paramref name="data"/>.Length bytes of the structure at <paramref name="offset"/> (beyond it: 0).</summary>
    public void Read(ulong offset, Span<byte> data)
    {
        Span<byte> image = stackalloc byte[(int)VirtioPciLayout.CommonLength];
        FillImage(image);
        data.Clear();
        if (offset < (ulong)image.Length)
        {
            int count = (int)Math.Min((ulong)data.Length, (ulong)image.Length - offset);
            image.Slice((int)offset, count).CopyTo(data);
        }
    }

    /// <summary>Applies a driver write to a field other than device_status; an ignored write is counted.</summary>
    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        if (!WriteField(offset, data))
            IgnoredWrites++;
    }

    private void FillImage(Span<byte> image)
    {
        image.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(image[DeviceFeatureSelect..], _deviceFeatureSelect);
        BinaryPrimitives.WriteUInt32LittleEndian(image[DeviceFeature..], FeatureWindow(OfferedFeatures, _deviceFeatureSelect));
        BinaryPrimitives.WriteUInt32LittleEndian(image[DriverFeatureSelect..], _driverFeatureSelect);
        BinaryPrimitives.WriteUInt32LittleEndian(image[DriverFeature..], FeatureWindow(DriverFeatures, _driverFeatureSelect));
        BinaryPrimitives.WriteUInt16LittleEndian(image[ConfigMsixVector..], ConfigVector);
        BinaryPrimitives.WriteUInt16LittleEndian(image[NumQueues..], (ushort)_queues.Length);
        image[DeviceStatus] = (byte)Status;
        image[ConfigGeneration] = Generation;
        BinaryPrimitives.WriteUInt16LittleEndian(image[QueueSelect..], _queueSelect);
        // §4.1.4.3.1: an unavailable queue (selector out of range) reads queue_size 0; its other fields read 0 too.
        if (TrySelectQueue(out int index))
        {
            var q = _queues[index];
            BinaryPrimitives.WriteUInt16LittleEndian(image[QueueSize..], q.Size);
            BinaryPrimitives.WriteUInt16LittleEndian(image[QueueMsixVector..], q.MsixVector);
            BinaryPrimitives.WriteUInt16LittleEndian(image[QueueEnable..], q.Enabled ? (ushort)1 : (ushort)0);
            BinaryPrimitives.WriteUInt16LittleEndian(image[QueueNotifyOff..], q.NotifyOffset);
            BinaryPrimitives.WriteUInt64LittleEndian(image[QueueDesc..], q.DescriptorAddress);
            BinaryPrimitives.WriteUInt64LittleEndian(image[QueueDriver..], q.DriverAddress);
            BinaryPrimitives.WriteUInt64LittleEndian(image[QueueDevice..], q.DeviceAddress);
        }
    }

    /// <summary>Applies a write to one field; false when it was ignored.</summary>
    private bool WriteField(ulong offset, ReadOnlySpan<byte> data)
    {
        if (offset >= VirtioPciLayout.CommonLength)
            return false;
        int field = (int)offset;
        switch (field, data.Length)
        {
            case (DeviceFeatureSelect, 4):
                _deviceFeatureSelect = BinaryPrimitives.ReadUInt32LittleEndian(data);
                return true;
            case (DriverFeatureSelect, 4):
                _driverFeatureSelect = BinaryPrimitives.ReadUInt32LittleEndian(data);
                return true;
            case (DriverFeature, 4):
                return WriteDriverFeatures(BinaryPrimitives.ReadUInt32LittleEndian(data));
            case (ConfigMsixVector, 2):
                ConfigVector = CheckedVector(BinaryPrimitives.ReadUInt16LittleEndian(data));
                return true;
            case (QueueSelect, 2):
                _queueSelect = BinaryPrimitives.ReadUInt16LittleEndian(data);
                return true;
            case (QueueMsixVector, 2):
                return WriteQueueVector(BinaryPrimitives.ReadUInt16LittleEndian(data));
            case (QueueSize, 2):
                if (!TrySelectConfigurableQueue(out int sq))
                    return false;
                // Any value is kept (the driver reads back what it wrote); DRIVER_OK validates it.
                _queues[sq] = _queues[sq] with { Size = BinaryPrimitives.ReadUInt16LittleEndian(data) };
                return true;
            case (QueueEnable, 2):
                if (BinaryPrimitives.ReadUInt16LittleEndian(data) != 1 || !TrySelectConfigurableQueue(out int eq))
                    return false;
                _queues[eq] = _queues[eq] with { Enabled = true };
                return true;
            case ( >= QueueDesc and < QueueNotifyData, 4 or 8):
                return WriteQueueAddress(field, data);
            default:
                // Read-only fields (device_feature, num_queues, config_generation, queue_notify_off,
                // queue_notify_data), queue_reset (not offered), wrong widths.
                return false;
        }
    }

    private bool WriteDriverFeatures(uint value)
    {
        if ((Status & VirtioDeviceStatus.FeaturesOk) != 0 || _driverFeatureSelect > 1)
            return false;
        int shift = (int)_driverFeatureSelect * 32;
        DriverFeatures = (DriverFeatures & ~(0xFFFF_FFFFUL << shift)) | (ulong)value << shift;
        return true;
    }

    /// <summary>queue_msix_vector of the selected queue (modern and legacy).</summary>
    private bool WriteQueueVector(ushort vector)
    {
        if (!TrySelectQueue(out int q))
            return false;
        _queues[q] = _queues[q] with { MsixVector = CheckedVector(vector) };
        return true;
    }

    private bool WriteQueueAddress(int field, ReadOnlySpan<byte> data)
    {
        int register = (field - QueueDesc) / 8 * 8 + QueueDesc;
        int half = field - register;
        if (half != 0 && (half != 4 || data.Length != 4))
            return false;
        if (!TrySelectConfigurableQueue(out int index))
            return false;
        var q = _queues[index];
        ulong current = register switch
        {
            QueueDesc => q.DescriptorAddress,
            QueueDriver => q.DriverAddress,
            _ => q.DeviceAddress,
        };
        ulong value = data.Length == 8
            ? BinaryPrimitives.ReadUInt64LittleEndian(data)
            : half == 0
                ? (current & 0xFFFF_FFFF_0000_0000UL) | BinaryPrimitives.ReadUInt32LittleEndian(data)
                : (current & 0xFFFF_FFFFUL) | (ulong)BinaryPrimitives.ReadUInt32LittleEndian(data) << 32;
        _queues[index] = register switch
        {
            QueueDesc => q with { DescriptorAddress = value },
            QueueDriver => q with { DriverAddress = value },
            _ => q with { DeviceAddress = value },
        };
        return true;
    }

    private static uint FeatureWindow(ulong features, uint select) => select switch
    {
        0 => (uint)features,
        1 => (uint)(features >> 32),
        _ => 0,
    };
}
