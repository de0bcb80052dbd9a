using System.Buffers.Binary;
using PSVmm.Tests.TestDoubles;

namespace PSVmm.Tests.Virtio.Queues;

/// <summary>
/// The driver side of a split virtqueue (virtio 1.2 §2.7.13), written the way a guest driver
/// does it: descriptors from a free list, avail ring entry, barrier, avail.idx; used entries
/// read back after used.idx. Also exposes raw writes for malformed rings.
/// </summary>
internal sealed class SplitRingDriver
{
    private readonly Stack<ushort> _free = new();
    private readonly Dictionary<ushort, List<ushort>> _chains = new();
    private ushort _availIdx;
    private ushort _lastUsed;

    public SplitRingDriver(VirtqTestMemory memory, ushort size, ulong desc, ulong avail, ulong used)
    {
        Memory = memory;
        Size = size;
        DescAddress = desc;
        AvailAddress = avail;
        UsedAddress = used;
        for (int i = size - 1; i >= 0; i--)
        {
            _free.Push((ushort)i);
        }

        // §2.7: the driver zeroes the rings before handing them to the device.
        memory.Write(desc, new byte[16 * size]);
        memory.Write(avail, new byte[6 + 2 * size]);
        memory.Write(used, new byte[6 + 8 * size]);
    }

    public VirtqTestMemory Memory { get; }
    public ushort Size { get; }
    public ulong DescAddress { get; }
    public ulong AvailAddress { get; }
    public ulong UsedAddress { get; }
    public ushort AvailIdx => _availIdx;
    public int FreeDescriptors => _free.Count;

    public void WriteDescriptor(ushort index, ulong address, uint length, ushort flags, ushort next) =>
        WriteDescriptorAt(DescAddress + 16UL * index, address, length, flags, next);

    public void WriteDescriptorAt(ulong at, ulong address, uint length, ushort flags, ushort next)
    {
        var raw = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(raw, address);
        BinaryPrimitives.WriteUInt32LittleEndian(raw.AsSpan(8), length);
        BinaryPrimitives.WriteUInt16LittleEndian(raw.AsSpan(12), flags);
        BinaryPrimitives.WriteUInt16LittleEndian(raw.AsSpan(14), next);
        Memory.Write(at, raw);
    }

    /// <summary>Puts a head into the next avail ring slot and publishes it by bumping avail.idx.</summary>
    public void Publish(ushort head)
    {
        WriteU16(AvailAddress + 4 + 2UL * (ushort)(_availIdx % Size), head);
        Interlocked.MemoryBarrier();
        _availIdx++;
        WriteU16(AvailAddress + 2, _availIdx);
    }

    /// <summary>Writes avail.idx directly (malformed rings).</summary>
    public void SetAvailIdx(ushort idx)
    {
        _availIdx = idx;
        WriteU16(AvailAddress + 2, idx);
    }

    /// <summary>Adds a chain of direct descriptors from the free list and publishes it.</summary>
    public ushort AddChain(params DriverBuffer[] buffers)
    {
        var indices = Take(buffers.Length);
        for (int i = 0; i < buffers.Length; i++)
        {
            bool last = i == buffers.Length - 1;
            ushort flags = (ushort)((buffers[i].Writable ? 2 : 0) | (last ? 0 : 1));
            WriteDescriptor(indices[i], buffers[i].Address, buffers[i].Length, flags, last ? (ushort)0 : indices[i + 1]);
        }

        _chains[indices[0]] = indices;
        Publish(indices[0]);
        return indices[0];
    }

    /// <summary>
    /// Writes an indirect table at <paramref name="table"/> and publishes one INDIRECT descriptor
    /// for it. The chain starts at entry 0 (§2.7.5.3.2); the remaining buffers sit in descending
    /// slots n-1..1, so the device must follow next rather than table order.
    /// </summary>
    public ushort AddIndirect(ulong table, params DriverBuffer[] buffers)
    {
        int n = buffers.Length;
        for (int i = 0; i < n; i++)
        {
            bool last = i == n - 1;
            ushort flags = (ushort)((buffers[i].Writable ? 2 : 0) | (last ? 0 : 1));
            ushort next = last ? (ushort)0 : IndirectSlot(i + 1, n);
            WriteDescriptorAt(table + 16UL * IndirectSlot(i, n), buffers[i].Address, buffers[i].Length, flags, next);
        }

        var indices = Take(1);
        WriteDescriptor(indices[0], table, (uint)(16 * n), 4, 0);
        _chains[indices[0]] = indices;
        Publish(indices[0]);
        return indices[0];
    }

    private static ushort IndirectSlot(int buffer, int count) => buffer == 0 ? (ushort)0 : (ushort)(count - buffer);

    private List<ushort> Take(int count)
    {
        if (count > _free.Count)
        {
            throw new InvalidOperationException("test driver ran out of descriptors");
        }

        var list = new List<ushort>(count);
        for (int i = 0; i < count; i++)
        {
            list.Add(_free.Pop());
        }

        return list;
    }

    public ushort UsedIdx => ReadU16(UsedAddress + 2);

    public ushort UsedFlags => ReadU16(UsedAddress);

    public ushort AvailEvent => ReadU16(UsedAddress + 4 + 8UL * Size);

    public void SetAvailFlags(ushort flags) => WriteU16(AvailAddress, flags);

    public void SetUsedEvent(ushort value) => WriteU16(AvailAddress + 4 + 2UL * Size, value);

    /// <summary>Reads the next used entry, if the device published one, and frees its descriptors.</summary>
    public bool TryReadUsed(out UsedEntry entry)
    {
        entry = default;
        if (UsedIdx == _lastUsed)
        {
            return false;
        }

        Interlocked.MemoryBarrier();
        var raw = new byte[8];
        Memory.Read(UsedAddress + 4 + 8UL * (ushort)(_lastUsed % Size), raw);
        entry = new UsedEntry(BinaryPrimitives.ReadUInt32LittleEndian(raw), BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(4)));
        _lastUsed++;
        if (_chains.Remove((ushort)entry.Id, out var indices))
        {
            foreach (var i in indices)
            {
                _free.Push(i);
            }
        }

        return true;
    }

    public ushort ReadU16(ulong address)
    {
        var raw = new byte[2];
        Memory.Read(address, raw);
        return BinaryPrimitives.ReadUInt16LittleEndian(raw);
    }

    public void WriteU16(ulong address, ushort value)
    {
        var raw = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(raw, value);
        Memory.Write(address, raw);
    }
}
