using System.Buffers.Binary;
using PSVmm.Engine.Memory;
using PSVmm.Engine.Virtio;
using PSVmm.Engine.Virtio.Transport;

namespace PSVmm.Bench.DeviceModel;

/// <summary>
/// A guest driver reduced to what the benchmarks and the durability helper need: it negotiates
/// VERSION_1 and the device features it is given (a split ring, no EVENT_IDX, no indirect
/// tables), sets up queue 0, and keeps requests in flight in fixed slots, each a chain of header,
/// data and status descriptors (header and status for a flush), completing by polling the used
/// ring (virtio 1.2 §2.7, §3.1.1, §4.1.4.3, §5.2.6).
/// </summary>
internal sealed class SplitRingDriver
{
    private const ulong DescriptorTable = 0x10000;
    private const ulong AvailRing = 0x20000;
    private const ulong UsedRing = 0x30000;
    private const ulong Headers = 0x40000;
    private const ulong Statuses = 0x60000;
    private const ulong Buffers = 0x100000;
    private const ushort Next = 1, Write = 2;
    private const uint TypeIn = 0, TypeOut = 1, TypeFlush = 4;   // VIRTIO_BLK_T_*

    private const ulong WritebackField = 32;                          // struct virtio_blk_config.writeback (§5.2.4)

    private readonly DiskUnderTest _disk;
    private readonly IGuestMemory _memory;
    private readonly ushort _size;
    private readonly uint _requestBytes;
    private readonly uint _deviceFeatures;
    private ushort _availIdx;
    private ushort _usedSeen;

    /// <param name="deviceFeatures">Device feature bits (0-31) to accept besides VERSION_1, e.g. FLUSH and CONFIG_WCE.</param>
    public SplitRingDriver(DiskUnderTest disk, ushort queueSize, uint requestBytes, uint deviceFeatures = 0)
    {
        _disk = disk;
        _memory = disk.Memory;
        _size = queueSize;
        _requestBytes = requestBytes;
        _deviceFeatures = deviceFeatures;
        Initialise();
    }

    /// <summary>Largest number of requests in flight (three descriptors each).</summary>
    public int MaxDepth => _size / 3;

    private void Initialise()
    {
        WriteStatus(0);
        WriteStatus(VirtioDeviceStatus.Acknowledge | VirtioDeviceStatus.Driver);
        Common32(VirtioPciCommonConfig.DriverFeatureSelect, 0);
        Common32(VirtioPciCommonConfig.DriverFeature, _deviceFeatures);
        Common32(VirtioPciCommonConfig.DriverFeatureSelect, 1);
        Common32(VirtioPciCommonConfig.DriverFeature, (uint)(VirtioFeatures.Version1 >> 32));
        WriteStatus(VirtioDeviceStatus.Acknowledge | VirtioDeviceStatus.Driver | VirtioDeviceStatus.FeaturesOk);
        Common16(VirtioPciCommonConfig.QueueSelect, 0);
        Common16(VirtioPciCommonConfig.QueueSize, _size);
        Common64(VirtioPciCommonConfig.QueueDesc, DescriptorTable);
        Common64(VirtioPciCommonConfig.QueueDriver, AvailRing);
        Common64(VirtioPciCommonConfig.QueueDevice, UsedRing);
        Common16(VirtioPciCommonConfig.QueueEnable, 1);
        WriteStatus(VirtioDeviceStatus.Acknowledge | VirtioDeviceStatus.Driver | VirtioDeviceStatus.FeaturesOk | VirtioDeviceStatus.DriverOk);
        Span<byte> status = stackalloc byte[1];
        _disk.Bar.Read(VirtioPciLayout.CommonOffset + VirtioPciCommonConfig.DeviceStatus, status);
        if ((status[0] & (byte)VirtioDeviceStatus.DriverOk) == 0)
            throw new InvalidOperationException($"the device did not accept DRIVER_OK (status 0x{status[0]:x2})");
    }

    /// <summary>Builds slot <paramref name="slot"/>'s chain for a read of sector <paramref name="sector"/> and makes it available (not yet notified).</summary>
    public void Submit(int slot, ulong sector) => Submit(slot, TypeIn, sector);

    /// <summary>A write of <paramref name="data"/> (the request size) from slot <paramref name="slot"/>'s buffer; not yet notified.</summary>
    public void SubmitWrite(int slot, ulong sector, ReadOnlySpan<byte> data)
    {
        _memory.Write(Buffers + (ulong)slot * _requestBytes, data);
        Submit(slot, TypeOut, sector);
    }

    /// <summary>A flush from slot <paramref name="slot"/>; not yet notified.</summary>
    public void SubmitFlush(int slot) => Submit(slot, TypeFlush, 0);

    /// <summary>Turns the device's write cache on or off through the writeback field (needs CONFIG_WCE); returns what the device reports after.</summary>
    public bool SetWriteback(bool on)
    {
        _disk.Bar.Write(VirtioPciLayout.DeviceConfigOffset + WritebackField, [on ? (byte)1 : (byte)0]);
        Span<byte> value = stackalloc byte[1];
        _disk.Bar.Read(VirtioPciLayout.DeviceConfigOffset + WritebackField, value);
        return value[0] != 0;
    }

    private void Submit(int slot, uint type, ulong sector)
    {
        ushort head = (ushort)(3 * slot);
        ulong header = Headers + (ulong)slot * 16;
        Span<byte> raw = stackalloc byte[16];
        raw.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(raw, type);
        BinaryPrimitives.WriteUInt64LittleEndian(raw[8..], sector);
        _memory.Write(header, raw);
        _memory.Write(Statuses + (ulong)slot, [0xFF]);
        if (type == TypeFlush)
        {
            Descriptor(head, header, 16, Next, (ushort)(head + 2));
        }
        else
        {
            Descriptor(head, header, 16, Next, (ushort)(head + 1));
            Descriptor((ushort)(head + 1), Buffers + (ulong)slot * _requestBytes, _requestBytes, (ushort)(type == TypeIn ? Next | Write : Next), (ushort)(head + 2));
        }

        Descriptor((ushort)(head + 2), Statuses + (ulong)slot, 1, Write, 0);
        Span<byte> entry = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(entry, head);
        _memory.Write(AvailRing + 4 + 2UL * (ulong)(_availIdx % _size), entry);
        _availIdx++;
        Interlocked.MemoryBarrier();                                  // ring entry before idx (§2.7.13)
        BinaryPrimitives.WriteUInt16LittleEndian(entry, _availIdx);
        _memory.Write(AvailRing + 2, entry);
    }

    /// <summary>What an ioeventfd on queue 0's notify address delivers.</summary>
    public void Notify() => _disk.Transport.DeliverNotify(0);

    /// <summary>The slot of the next used entry, or -1; throws when the request failed.</summary>
    public int TryComplete()
    {
        Span<byte> idx = stackalloc byte[2];
        _memory.Read(UsedRing + 2, idx);
        if (BinaryPrimitives.ReadUInt16LittleEndian(idx) == _usedSeen)
            return -1;
        Interlocked.MemoryBarrier();
        Span<byte> element = stackalloc byte[8];
        _memory.Read(UsedRing + 4 + 8UL * (ulong)(_usedSeen % _size), element);
        _usedSeen++;
        int slot = (int)BinaryPrimitives.ReadUInt32LittleEndian(element) / 3;
        Span<byte> status = stackalloc byte[1];
        _memory.Read(Statuses + (ulong)slot, status);
        if (status[0] != 0)
            throw new InvalidOperationException($"request in slot {slot} completed with status {status[0]}");
        return slot;
    }

    private void Descriptor(ushort index, ulong address, uint length, ushort flags, ushort next)
    {
        Span<byte> d = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(d, address);
        BinaryPrimitives.WriteUInt32LittleEndian(d[8..], length);
        BinaryPrimitives.WriteUInt16LittleEndian(d[12..], flags);
        BinaryPrimitives.WriteUInt16LittleEndian(d[14..], next);
        _memory.Write(DescriptorTable + 16UL * index, d);
    }

    private void WriteStatus(VirtioDeviceStatus status) =>
        _disk.Bar.Write(VirtioPciLayout.CommonOffset + VirtioPciCommonConfig.DeviceStatus, [(byte)status]);

    private void Common16(int field, ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        _disk.Bar.Write(VirtioPciLayout.CommonOffset + (ulong)field, b);
    }

    private void Common32(int field, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        _disk.Bar.Write(VirtioPciLayout.CommonOffset + (ulong)field, b);
    }

    private void Common64(int field, ulong value)
    {
        Common32(field, (uint)value);
        Common32(field + 4, (uint)(value >> 32));
    }
}
