namespace PSVmm.Engine.Virtio.Queues;

/// <summary>
/// Queue size and the guest addresses of the three ring areas (virtio 1.2 §2.6): what a driver
/// programs before enabling a queue, and what <see cref="IVirtqueue.Enable"/> checks.
/// </summary>
public readonly record struct RingGeometry(ushort Size, ulong DescriptorArea, ulong DriverArea, ulong DeviceArea);
