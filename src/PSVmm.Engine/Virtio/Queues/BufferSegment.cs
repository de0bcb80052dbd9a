namespace PSVmm.Engine.Virtio.Queues;

/// <summary>
/// One guest buffer of a descriptor chain. The range [Address, Address + Length) was checked to
/// lie inside one RAM region when the chain was popped.
/// </summary>
public readonly record struct BufferSegment(ulong Address, uint Length, bool IsWritable);
