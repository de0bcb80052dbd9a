namespace PSVmm.Engine.Virtio.Queues;

/// <summary>
/// An immutable copy of one queue's state for cmdlets, taken under the queue lock. Geometry is the
/// layout given to the last Enable since the queue was reset ((MaxSize, 0, 0, 0) after a reset); the
/// driver's registers live in the transport's VirtioQueueConfig.
/// Split: NextAvail/UsedIdx are free-running 16-bit indices and the wrap counters are unused (true).
/// Packed: NextAvail/UsedIdx are ring offsets paired with their wrap counters.
/// LastAvailIdx is the avail.idx the device last read (split); packed has none and repeats NextAvail.
/// Notifications counts driver kicks; Interrupts and Suppressed count used buffer notification
/// decisions that did and did not ask for an interrupt.
/// </summary>
public sealed record VirtqueueState(
    int Index,
    VirtqueueFormat Format,
    RingGeometry Geometry,
    ushort MaxSize,
    bool Enabled,
    ulong Features,
    ushort NextAvail,
    bool AvailWrapCounter,
    ushort UsedIdx,
    bool UsedWrapCounter,
    ushort LastAvailIdx,
    bool GuestNotificationsEnabled,
    ulong Popped,
    ulong Completed,
    ulong Notifications,
    ulong Interrupts,
    ulong Suppressed,
    VirtqueueErrorReason? LastError);
