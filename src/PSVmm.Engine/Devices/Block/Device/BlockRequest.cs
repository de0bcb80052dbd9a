using PSVmm.Engine.Virtio.Queues;

namespace PSVmm.Engine.Devices.Block.Device;

/// <summary>One range of a discard or write-zeroes request, in bytes of the disk.</summary>
internal readonly record struct BlockRange(long Offset, long Length, bool Unmap);

/// <summary>
/// A virtio-blk request parsed from a descriptor chain (virtio 1.2 §5.2.6): either ready to go
/// to the backend, or already decided (<see cref="ImmediateStatus"/>) because it was refused.
/// </summary>
internal sealed class BlockRequest
{
    public required DescriptorChain Chain { get; init; }

    /// <summary>The raw type field (unknown types are kept for statistics and messages).</summary>
    public required uint RawType { get; init; }

    public VirtioBlkRequestType Type => (VirtioBlkRequestType)RawType;

    public ulong Sector { get; init; }

    /// <summary>Guest ranges of the data part: device-writable for IN and GET_ID, device-readable for OUT.</summary>
    public IReadOnlyList<BufferSegment> Data { get; init; } = [];

    public ulong DataLength { get; init; }

    /// <summary>Discard / write-zeroes ranges, checked against the capacity and limits.</summary>
    public IReadOnlyList<BlockRange> Ranges { get; init; } = [];

    /// <summary>Guest address of the status byte: the last device-writable byte of the chain.</summary>
    public required ulong StatusAddress { get; init; }

    /// <summary>Set when the request is refused without I/O (IOERR for a bad range, UNSUPP for an unknown type...).</summary>
    public byte? ImmediateStatus { get; init; }

    /// <summary>Why <see cref="ImmediateStatus"/> was chosen, for logs and tests.</summary>
    public string? Refusal { get; init; }

    /// <summary>Bytes of the request's payload for statistics and throttling: data for IN/OUT, range bytes for discard/write-zeroes.</summary>
    public long PayloadBytes => Type is VirtioBlkRequestType.Discard or VirtioBlkRequestType.WriteZeroes
        ? Ranges.Sum(r => r.Length)
        : (long)DataLength;
}
