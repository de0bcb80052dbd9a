namespace PSVmm.Engine.Virtio.Queues;

/// <summary>
/// A guest-controlled queue value failed a check. The queue is left as it was before the failing
/// call (nothing consumed, nothing published); the device marks itself NEEDS_RESET.
/// </summary>
public sealed class VirtqueueException : Exception
{
    public VirtqueueException(VirtqueueErrorReason reason, string detail, Exception? inner = null)
        : base($"{reason}: {detail}", inner)
    {
        Reason = reason;
        Detail = detail;
    }

    public VirtqueueErrorReason Reason { get; }

    public string Detail { get; }
}
