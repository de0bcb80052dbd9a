using PSVmm.Engine.Virtio.Queues;

namespace PSVmm.Engine.Virtio;

/// <summary>
/// One virtqueue's registers as the driver programmed them through the transport (virtio 1.2
/// §4.1.4.3: queue_size, queue_msix_vector, queue_enable, queue_notify_off, queue_desc,
/// queue_driver, queue_device). An immutable value: the transport keeps each queue's registers as
/// one and replaces it (<c>with</c>) on every register write, so what the device receives at
/// DRIVER_OK and cmdlets read in snapshots is the registers' value itself, not a copy of fields.
/// </summary>
/// <param name="Index">Queue index (what the driver writes to queue_select and to the notify address).</param>
/// <param name="Size">Number of descriptors the driver chose (≤ <paramref name="MaxSize"/>).</param>
/// <param name="MaxSize">The device's maximum (the reset value of queue_size).</param>
/// <param name="Enabled">queue_enable was written 1.</param>
/// <param name="MsixVector">MSI-X vector for used-buffer notifications, or <see cref="VirtioQueueConfig.NoVector"/>.</param>
/// <param name="DescriptorAddress">Guest-physical address of the descriptor area.</param>
/// <param name="DriverAddress">Guest-physical address of the driver area (split: available ring; packed: driver event suppression).</param>
/// <param name="DeviceAddress">Guest-physical address of the device area (split: used ring; packed: device event suppression).</param>
/// <param name="NotifyOffset">queue_notify_off: the queue's notify address is cap.offset + NotifyOffset × notify_off_multiplier.</param>
public sealed record VirtioQueueConfig(
    int Index,
    ushort Size,
    ushort MaxSize,
    bool Enabled,
    ushort MsixVector,
    ulong DescriptorAddress,
    ulong DriverAddress,
    ulong DeviceAddress,
    ushort NotifyOffset)
{
    /// <summary>VIRTIO_MSI_NO_VECTOR (§4.1.5.1.2): no MSI-X vector is assigned.</summary>
    public const ushort NoVector = 0xFFFF;

    /// <summary>The ring layout these registers describe, to start a <see cref="Virtqueue"/> with.</summary>
    public RingGeometry ToRingGeometry() => new(Size, DescriptorAddress, DriverAddress, DeviceAddress);
}
