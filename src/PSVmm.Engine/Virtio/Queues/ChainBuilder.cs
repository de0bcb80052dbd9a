using PSVmm.Engine.Memory;

namespace PSVmm.Engine.Virtio.Queues;

/// <summary>Collects a chain's buffers, checking each one as it is added. Reused by its ring for every pop.</summary>
internal sealed class ChainBuilder
{
    private readonly IGuestMemory _memory;
    private readonly List<BufferSegment> _segments = new();
    private int _readableCount;
    private ulong _readableLength;
    private ulong _writableLength;

    public ChainBuilder(IGuestMemory memory) => _memory = memory;

    /// <summary>Forgets the previous chain (the segment list keeps its capacity, so popping does not allocate it again).</summary>
    public ChainBuilder Start()
    {
        _segments.Clear();
        _readableCount = 0;
        _readableLength = 0;
        _writableLength = 0;
        return this;
    }

    public void Add(ulong address, uint length, bool writable)
    {
        // §2.7.4.2: device-writable descriptors come after all device-readable ones.
        if (!writable && _segments.Count > _readableCount)
        {
            throw new VirtqueueException(VirtqueueErrorReason.ReadableAfterWritable,
                $"readable buffer 0x{address:x}+0x{length:x} follows a writable one");
        }

        if (_readableLength + _writableLength + length > uint.MaxValue)
        {
            throw new VirtqueueException(VirtqueueErrorReason.TotalLengthOverflow,
                $"chain length exceeds 0x{uint.MaxValue:x} bytes");
        }

        if (!_memory.IsValidRange(address, length))
        {
            throw new VirtqueueException(VirtqueueErrorReason.BufferOutsideRam,
                $"buffer 0x{address:x}+0x{length:x} is not inside guest RAM");
        }

        _segments.Add(new BufferSegment(address, length, writable));
        if (writable)
        {
            _writableLength += length;
        }
        else
        {
            _readableCount++;
            _readableLength += length;
        }
    }

    public DescriptorChain Build(ushort id, ushort ringDescriptorCount) =>
        new(id, ringDescriptorCount, _segments.ToArray(), _readableCount, _readableLength, _writableLength);
}
