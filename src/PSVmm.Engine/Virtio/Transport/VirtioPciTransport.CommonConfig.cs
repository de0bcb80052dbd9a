using System.Buffers.Binary;
using static PSVmm.Engine.Virtio.Transport.VirtioPciCommonConfig;

namespace PSVmm.Engine.Virtio.Transport;

// struct virtio_pci_common_cfg (virtio 1.2 §4.1.4.3). Reads of any width see a little-endian
// image of the fields. Writes must hit one field with its natural width (§4.1.3.1), a 64-bit
// field may be written whole or as two 32-bit halves; any other write is ignored and counted.
//
// What the driver may no longer change (ignored, counted):
//   driver_feature                      once FEATURES_OK is set (§2.2.2: features are fixed then);
//   queue_size, queue_desc/driver/device once the selected queue is enabled or DRIVER_OK is set
//                                       (§4.1.4.3.2: the driver sets them before enabling);
//   queue_enable                        0 is ignored (§4.1.4.3.2), 1 after DRIVER_OK is ignored (no RING_RESET).
// MSI-X vectors may be changed at any time: they only route interrupts.
public sealed partial class VirtioPciTransport
{
    private VirtioDeviceStatus _status;
    private uint _deviceFeatureSelect;
    private uint _driverFeatureSelect;
    private ulong _driverFeatures;
    private ulong _negotiatedFeatures;
    private ushort _configVector = VirtioQueueConfig.NoVector;
    private byte _configGeneration;
    private ushort _queueSelect;
    private long _ignoredWrites;

    private void ReadCommon(ulong offset, Span<byte> data)
    {
        Span<byte> image = stackalloc byte[(int)VirtioPciLayout.CommonLength];
        lock (_lock)
            FillCommonImageLocked(image);
        data.Clear();
        if (offset < (ulong)image.Length)
        {
            int count = (int)Math.Min((ulong)data.Length, (ulong)image.Length - offset);
            image.Slice((int)offset, count).CopyTo(data);
        }
    }

    private void FillCommonImageLocked(Span<byte> image)
    {
        image.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(image[DeviceFeatureSelect..], _deviceFeatureSelect);
        BinaryPrimitives.WriteUInt32LittleEndian(image[DeviceFeature..], FeatureWindow(OfferedFeatures, _deviceFeatureSelect));
        BinaryPrimitives.WriteUInt32LittleEndian(image[DriverFeatureSelect..], _driverFeatureSelect);
        BinaryPrimitives.WriteUInt32LittleEndian(image[DriverFeature..], FeatureWindow(_driverFeatures, _driverFeatureSelect));
        BinaryPrimitives.WriteUInt16LittleEndian(image[ConfigMsixVector..], _configVector);
        BinaryPrimitives.WriteUInt16LittleEndian(image[NumQueues..], (ushort)_queues.Length);
        image[DeviceStatus] = (byte)_status;
        image[ConfigGeneration] = _configGeneration;
        BinaryPrimitives.WriteUInt16LittleEndian(image[QueueSelect..], _queueSelect);
        // §4.1.4.3.1: an unavailable queue (selector out of range) reads queue_size 0; its other fields read 0 too.
        if (SelectedQueueLocked() is { } q)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(image[QueueSize..], q.Size);
            BinaryPrimitives.WriteUInt16LittleEndian(image[QueueMsixVector..], q.MsixVector);
            BinaryPrimitives.WriteUInt16LittleEndian(image[QueueEnable..], q.Enabled ? (ushort)1 : (ushort)0);
            BinaryPrimitives.WriteUInt16LittleEndian(image[QueueNotifyOff..], q.NotifyOffset);
            BinaryPrimitives.WriteUInt64LittleEndian(image[QueueDesc..], q.DescriptorAddress);
            BinaryPrimitives.WriteUInt64LittleEndian(image[QueueDriver..], q.DriverAddress);
            BinaryPrimitives.WriteUInt64LittleEndian(image[QueueDevice..], q.DeviceAddress);
        }
    }

    private void WriteCommon(ulong offset, ReadOnlySpan<byte> data)
    {
        if (offset == DeviceStatus && data.Length == 1)
        {
            lock (_lock) _legacy = false;
            WriteStatus(data[0]);
            return;
        }
        lock (_lock)
        {
            _legacy = false;
            if (!WriteFieldLocked(offset, data))
                _ignoredWrites++;
        }
    }

    /// <summary>Applies a write to one field; false when it was ignored.</summary>
    private bool WriteFieldLocked(ulong offset, ReadOnlySpan<byte> data)
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
                return WriteDriverFeaturesLocked(BinaryPrimitives.ReadUInt32LittleEndian(data));
            case (ConfigMsixVector, 2):
                _configVector = CheckedVector(BinaryPrimitives.ReadUInt16LittleEndian(data));
                return true;
            case (QueueSelect, 2):
                _queueSelect = BinaryPrimitives.ReadUInt16LittleEndian(data);
                return true;
            case (QueueMsixVector, 2):
                if (SelectedQueueLocked() is not { } vq)
                    return false;
                vq.MsixVector = CheckedVector(BinaryPrimitives.ReadUInt16LittleEndian(data));
                return true;
            case (QueueSize, 2):
                if (ConfigurableQueueLocked() is not { } sq)
                    return false;
                // Any value is kept (the driver reads back what it wrote); DRIVER_OK validates it.
                sq.Size = BinaryPrimitives.ReadUInt16LittleEndian(data);
                return true;
            case (QueueEnable, 2):
                if (BinaryPrimitives.ReadUInt16LittleEndian(data) != 1 || ConfigurableQueueLocked() is not { } eq)
                    return false;
                eq.Enabled = true;
                return true;
            case (>= QueueDesc and < QueueNotifyData, 4 or 8):
                return WriteQueueAddressLocked(field, data);
            default:
                // Read-only fields (device_feature, num_queues, config_generation, queue_notify_off,
                // queue_notify_data), queue_reset (not offered), wrong widths.
                return false;
        }
    }

    private bool WriteDriverFeaturesLocked(uint value)
    {
        if ((_status & VirtioDeviceStatus.FeaturesOk) != 0 || _driverFeatureSelect > 1)
            return false;
        int shift = (int)_driverFeatureSelect * 32;
        _driverFeatures = (_driverFeatures & ~(0xFFFF_FFFFUL << shift)) | (ulong)value << shift;
        return true;
    }

    private bool WriteQueueAddressLocked(int field, ReadOnlySpan<byte> data)
    {
        int register = (field - QueueDesc) / 8 * 8 + QueueDesc;
        int half = field - register;
        if (half != 0 && (half != 4 || data.Length != 4))
            return false;
        if (ConfigurableQueueLocked() is not { } q)
            return false;
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
        switch (register)
        {
            case QueueDesc: q.DescriptorAddress = value; break;
            case QueueDriver: q.DriverAddress = value; break;
            default: q.DeviceAddress = value; break;
        }
        return true;
    }

    /// <summary>§4.1.5.1.2: a vector the function does not have reads back as NO_VECTOR.</summary>
    private ushort CheckedVector(ushort vector) =>
        vector < Msix.Table.VectorCount ? vector : VirtioQueueConfig.NoVector;

    private QueueRegisters? SelectedQueueLocked() => _queueSelect < _queues.Length ? _queues[_queueSelect] : null;

    /// <summary>The selected queue if its layout may still change: not enabled and DRIVER_OK not set.</summary>
    private QueueRegisters? ConfigurableQueueLocked() =>
        SelectedQueueLocked() is { Enabled: false } q && (_status & VirtioDeviceStatus.DriverOk) == 0 && !_activating ? q : null;

    private static uint FeatureWindow(ulong features, uint select) => select switch
    {
        0 => (uint)features,
        1 => (uint)(features >> 32),
        _ => 0,
    };
}
