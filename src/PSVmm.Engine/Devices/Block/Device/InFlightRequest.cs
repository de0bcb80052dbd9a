using PSVmm.Engine.Devices.Block.Backend;

namespace PSVmm.Engine.Devices.Block.Device;

/// <summary>
/// A parsed request on its way through throttling and the backend. One request may need
/// several backend operations (one per discard range, or a write followed by a writethrough
/// flush); it completes when the last of them does. Lives on the IoThread only.
/// </summary>
internal sealed class InFlightRequest(BlockRequest request, int queue, long generation, ulong tag)
{
    public BlockRequest Request { get; } = request;

    public int Queue { get; } = queue;

    /// <summary>The device activation the request belongs to; completions of older ones are dropped.</summary>
    public long Generation { get; } = generation;

    /// <summary>The backend user data of every operation of this request.</summary>
    public ulong Tag { get; } = tag;

    public List<BlockIoRequest> Operations { get; } = [];

    public int Pending { get; set; }

    /// <summary>The first errno a backend operation failed with (0 while all succeeded).</summary>
    public int Errno { get; set; }

    /// <summary>When the throttle first held the request back (its clock's timestamp); null: it never did.</summary>
    public long? ThrottledSince { get; set; }

    public bool WasThrottled => ThrottledSince is not null;

    /// <summary>Writethrough: the flush after the write has been submitted.</summary>
    public bool FlushIssued { get; set; }
}
