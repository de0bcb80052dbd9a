namespace PSVmm.Engine.Virtio.Queues;

/// <summary>
/// A virtqueue as a device sees it, whatever the ring format. Methods that read guest-controlled
/// values throw <see cref="VirtqueueException"/> on a malformed ring; they never throw
/// <see cref="PSVmm.Engine.Memory.GuestMemoryException"/>. All members are thread-safe.
/// </summary>
/// <remarks>
/// A device drains a queue after a kick like this (the re-check closes the race with a driver
/// that adds a buffer while notifications are off):
/// <code>
/// do
/// {
///     queue.DisableGuestNotifications();
///     while (queue.TryPop(out var chain)) { /* serve */ queue.AddUsed(chain, written); }
/// }
/// while (queue.EnableGuestNotifications());
/// if (queue.NeedsNotification()) { /* raise the queue's MSI-X vector */ }
/// </code>
/// A <see cref="VirtqueueException"/> from any call means the driver broke the ring: the
/// device sets DEVICE_NEEDS_RESET, raises a configuration change interrupt, and stops using
/// the queue until the driver resets it.
/// </remarks>
public interface IVirtqueue
{
    int Index { get; }

    /// <summary>The largest size the device offers (queue_size after reset).</summary>
    ushort MaxSize { get; }

    /// <summary>queue_size as the driver programmed it (given to <see cref="Enable"/>; MaxSize after reset).</summary>
    ushort Size { get; }

    ulong DescriptorAreaAddress { get; }

    ulong DriverAreaAddress { get; }

    ulong DeviceAreaAddress { get; }

    bool Enabled { get; }

    /// <summary>Negotiated features in effect since <see cref="Enable"/>; 0 while disabled.</summary>
    ulong Features { get; }

    VirtqueueFormat Format { get; }

    /// <summary>
    /// queue_enable = 1 with the driver's <paramref name="geometry"/>: checks size and ring areas
    /// against <paramref name="negotiatedFeatures"/> and guest RAM, then starts the queue at index 0.
    /// Throws InvalidOperationException while the queue is enabled.
    /// </summary>
    void Enable(RingGeometry geometry, ulong negotiatedFeatures);

    /// <summary>Back to the state after device reset: disabled, size = MaxSize, addresses 0, counters 0.</summary>
    void Reset();

    /// <summary>Takes the next available buffer, or returns false when the driver has made none available.</summary>
    bool TryPop(out DescriptorChain chain);

    /// <summary>
    /// Returns a popped buffer with the number of bytes written into its writable part. Returns
    /// false, touching nothing, when the chain was popped before the queue was last reset or
    /// re-enabled (an I/O that completes after a device reset is dropped, not written into the
    /// new rings). Returning the same chain twice is a device bug (InvalidOperationException).
    /// </summary>
    bool AddUsed(DescriptorChain chain, uint writtenLength);

    /// <summary>
    /// After one or more AddUsed: whether the driver wants a used buffer notification (interrupt)
    /// now. Each call consumes the used entries added since the previous call.
    /// </summary>
    bool NeedsNotification();

    /// <summary>
    /// Asks the driver to notify the device on new available buffers. Returns true when buffers
    /// are already available, so the device must poll again (closes the race with the driver).
    /// </summary>
    bool EnableGuestNotifications();

    /// <summary>Asks the driver not to notify the device (the device is polling).</summary>
    void DisableGuestNotifications();

    /// <summary>Counts one available buffer notification (kick) from the driver.</summary>
    void RecordDriverNotification();

    VirtqueueState Snapshot();
}
