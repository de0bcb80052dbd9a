using System.Buffers.Binary;
using PSVmm.Tests.TestDoubles;

namespace PSVmm.Tests.Virtio.Queues;

/// <summary>
/// The driver side of a packed virtqueue (virtio 1.2 §2.8.13-§2.8.16): descriptors written in
/// ring order with AVAIL/USED set from the driver wrap counter, the head's flags written last,
/// the buffer id in the last descriptor; used descriptors read at the driver's next used offset
/// and skipped by the chain length recorded per id.
/// </summary>
internal sealed class PackedRingDriver
{
    public const ushort Next = 1, Write = 2, Indirect = 4, Avail = 1 << 7, Used = 1 << 15;

    private readonly Stack<ushort> _freeIds = new();
    private readonly Dictionary<ushort, int> _chainLength = new();
    private ushort _nextAvail;
    private bool _availWrap = true;
    private ushort _nextUsed;
    private bool _usedWrap = true;

    public PackedRingDriver(VirtqTestMemory memory, ushort size, ulong desc, ulong driverEvent, ulong deviceEvent)
    {
        Memory = memory;
        Size = size;
        DescAddress = desc;
        DriverEventAddress = driverEvent;
        DeviceEventAddress = deviceEvent;
        for (int i = size - 1; i >= 0; i--)
        {
            _freeIds.Push((ushort)i);
        }

        // §2.8.13: the descriptor ring is zero-initialized.
        memory.Write(desc, new byte[16 * size]);
        memory.Write(driverEvent, new byte[4]);
        memory.Write(deviceEvent, new byte[4]);
    }

    public VirtqTestMemory Memory { get; }
    public ushort Size { get; }
    public ulong DescAddress { get; }
    public ulong DriverEventAddress { get; }
    public ulong DeviceEventAddress { get; }
    public ushort NextAvail => _nextAvail;
    public bool AvailWrap => _availWrap;
    public ushort NextUsed => _nextUsed;
    public bool UsedWrap => _usedWrap;

    /// <summary>AVAIL/USED bits that mark a descriptor available under wrap counter <paramref name="wrap"/>.</summary>
    public static ushort AvailableBits(bool wrap) => wrap ? Avail : Used;

    public void WriteDescriptor(ushort offset, ulong address, uint length, ushort id, ushort flags) =>
        WriteDescriptorAt(DescAddress + 16UL * offset, address, length, id, flags);

    public void WriteDescriptorAt(ulong at, ulong address, uint length, ushort id, ushort flags)
    {
        var raw = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(raw, address);
        BinaryPrimitives.WriteUInt32LittleEndian(raw.AsSpan(8), length);
        BinaryPrimitives.WriteUInt16LittleEndian(raw.AsSpan(12), id);
        BinaryPrimitives.WriteUInt16LittleEndian(raw.AsSpan(14), flags);
        Memory.Write(at, raw);
    }

    public ushort ReadFlags(ushort offset) => ReadU16(DescAddress + 16UL * offset + 14);

    /// <summary>Adds a chain of direct descriptors; returns its buffer id.</summary>
    public ushort AddChain(params DriverBuffer[] buffers) => AddChainWithId(TakeId(), buffers);

    /// <summary>Adds a chain with a chosen id (also an invalid one, for malformed rings).</summary>
    public ushort AddChainWithId(ushort id, params DriverBuffer[] buffers)
    {
        ushort first = _nextAvail;
        ushort firstFlags = 0;
        for (int i = 0; i < buffers.Length; i++)
        {
            bool last = i == buffers.Length - 1;
            ushort flags = (ushort)((buffers[i].Writable ? Write : 0) | (last ? 0 : Next) | AvailableBits(_availWrap));

            // §2.8.6: the id is in the last descriptor; the others carry junk the device must ignore.
            ushort descriptorId = last ? id : (ushort)0xBEEF;
            // The head gets flags 0 (never available) until the whole chain is written.
            WriteDescriptor(_nextAvail, buffers[i].Address, buffers[i].Length, descriptorId, i == 0 ? (ushort)0 : flags);
            if (i == 0)
            {
                firstFlags = flags;
            }

            Advance();
        }

        _chainLength[id] = buffers.Length;
        Interlocked.MemoryBarrier();
        WriteU16(DescAddress + 16UL * first + 14, firstFlags);
        return id;
    }

    /// <summary>Writes a packed indirect table (entries in order) and adds one INDIRECT descriptor.</summary>
    public ushort AddIndirect(ulong table, params DriverBuffer[] buffers)
    {
        for (int i = 0; i < buffers.Length; i++)
        {
            WriteDescriptorAt(table + 16UL * (ulong)i, buffers[i].Address, buffers[i].Length, 0,
                buffers[i].Writable ? Write : (ushort)0);
        }

        ushort id = TakeId();
        ushort offset = _nextAvail;
        WriteDescriptor(offset, table, (uint)(16 * buffers.Length), id, 0);
        ushort flags = (ushort)(Indirect | AvailableBits(_availWrap));
        Advance();
        _chainLength[id] = 1;
        Interlocked.MemoryBarrier();
        WriteU16(DescAddress + 16UL * offset + 14, flags);
        return id;
    }

    /// <summary>Reads the next used descriptor, if any, and skips the ring by its chain length.</summary>
    public bool TryReadUsed(out UsedEntry entry, out ushort usedFlags)
    {
        entry = default;
        usedFlags = ReadFlags(_nextUsed);
        bool avail = (usedFlags & Avail) != 0;
        bool used = (usedFlags & Used) != 0;
        if (avail != used || used != _usedWrap)
        {
            return false;
        }

        Interlocked.MemoryBarrier();
        ulong at = DescAddress + 16UL * _nextUsed;
        var raw = new byte[16];
        Memory.Read(at, raw);
        ushort id = BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(12));
        entry = new UsedEntry(id, BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(8)));
        int skip = _chainLength.TryGetValue(id, out int n) ? n : 1;
        _chainLength.Remove(id);
        _freeIds.Push(id);
        int next = _nextUsed + skip;
        if (next >= Size)
        {
            next -= Size;
            _usedWrap = !_usedWrap;
        }

        _nextUsed = (ushort)next;
        return true;
    }

    public void SetDriverEvent(ushort flags, ushort offWrap = 0)
    {
        WriteU16(DriverEventAddress, offWrap);
        WriteU16(DriverEventAddress + 2, flags);
    }

    public ushort DeviceEventFlags => ReadU16(DeviceEventAddress + 2);

    private ushort TakeId()
    {
        if (_freeIds.Count == 0)
        {
            throw new InvalidOperationException("test driver ran out of buffer ids");
        }

        return _freeIds.Pop();
    }

    private void Advance()
    {
        _nextAvail++;
        if (_nextAvail == Size)
        {
            _nextAvail = 0;
            _availWrap = !_availWrap;
        }
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
