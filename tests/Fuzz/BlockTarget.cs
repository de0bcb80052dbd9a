using System.Buffers.Binary;
using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Devices.Block.Device;
using PSVmm.Engine.Virtio;
using PSVmm.Engine.Virtio.Queues;
using PSVmm.Tests.TestDoubles;
using PSVmm.Tests.Virtio.Queues;

namespace PSVmm.Fuzz;

/// <summary>
/// Target "blk": virtio-blk requests built by a well-behaved ring driver from fuzzer-chosen
/// headers, segments and data, served by <see cref="BlockDeviceEngine"/> over an in-memory disk.
/// </summary>
/// <remarks>
/// Input: flags (bit 0 packed, bit 1 read-only disk, bit 2 DISCARD, bit 3 WRITE_ZEROES, bit 4
/// indirect tables, bit 5 EVENT_IDX, bit 6 FLUSH and CONFIG_WCE), request count (b % 9), then per
/// request: layout byte (bit 0 header in two halves, bit 1 no status buffer, bit 2 header
/// device-writable, bit 3 indirect table), type selector, sector selector, segment count (b % 7), per segment: flags
/// (bit 0 device-writable, bit 1 raw guest address follows, bit 2 content follows), u16 length
/// (% 4097), [u64 address], [content]. Contract: a malformed chain makes the engine report a
/// fatal error (NEEDS_RESET); a well-framed bad request is answered with IOERR or UNSUPP. Findings:
/// an exception out of the engine or an IoThread handler, a request neither answered nor reported
/// fatal (unless a device-writable buffer overlaps the rings), a status byte other than OK/IOERR/UNSUPP (unless a raw buffer may overlap it), a used length above the writable bytes.
/// </remarks>
internal static class BlockTarget
{
    public const ulong RamSize = 1 << 20;
    public const int DiskSize = 64 << 10;
    public const ushort QueueSize = 64;
    public const ulong Desc = 0x1000, DriverArea = 0x3000, DeviceArea = 0x4000, DataStart = 0x10000;
    public const int MaxRequests = 8;

    private static readonly uint[] Types =
    [
        (uint)VirtioBlkRequestType.In, (uint)VirtioBlkRequestType.Out, (uint)VirtioBlkRequestType.Flush,
        (uint)VirtioBlkRequestType.GetId, (uint)VirtioBlkRequestType.GetLifetime, (uint)VirtioBlkRequestType.Discard,
        (uint)VirtioBlkRequestType.WriteZeroes, (uint)VirtioBlkRequestType.SecureErase, 3,
    ];

    public static void Run(byte[] data)
    {
        var input = new FuzzInput(data);
        byte flags = input.U8();
        bool packed = (flags & 1) != 0, readOnly = (flags & 2) != 0, indirect = (flags & 16) != 0;
        var memory = VirtqTestMemory.Flat(RamSize);
        using var backend = new MemoryBlockBackend(DiskSize, readOnly);
        var options = new BlockDeviceOptions("fuzz.img") { Id = "fuzz0", NumQueues = 1, Serial = "FUZZ-SERIAL-0123", ReadOnly = readOnly };
        var ioThread = new SyncIoThread();
        var config = VirtioBlkSetup.CreateConfig(options, backend);
        using var engine = new BlockDeviceEngine(options.Id, backend, config, ioThread, options.SerialBytes, readOnly);
        ulong offered = VirtioBlkSetup.OfferedFeatures(options, backend);
        ulong features = VirtioFeatures.Version1
            | (offered & ~(VirtioBlkFeatures.Discard | VirtioBlkFeatures.WriteZeroes | VirtioBlkFeatures.Flush | VirtioBlkFeatures.ConfigWce))
            | ((flags & 4) != 0 ? offered & VirtioBlkFeatures.Discard : 0)
            | ((flags & 8) != 0 ? offered & VirtioBlkFeatures.WriteZeroes : 0)
            | ((flags & 64) != 0 ? offered & (VirtioBlkFeatures.Flush | VirtioBlkFeatures.ConfigWce) : 0)
            | (indirect ? VirtioFeatures.IndirectDesc : 0)
            | ((flags & 32) != 0 ? VirtioFeatures.EventIdx : 0)
            | (packed ? VirtioFeatures.RingPacked : 0);
        var queue = new Virtqueue(0, QueueSize, memory);
        queue.Enable(new RingGeometry(QueueSize, Desc, DriverArea, DeviceArea), features);
        var split = packed ? null : new SplitRingDriver(memory, QueueSize, Desc, DriverArea, DeviceArea);
        var packedDriver = packed ? new PackedRingDriver(memory, QueueSize, Desc, DriverArea, DeviceArea) : null;
        var fatal = new List<string>();
        engine.Start(memory, features, [queue], _ => { }, fatal.Add);

        ulong next = DataStart;
        ulong Allocate(int length)
        {
            ulong at = next;
            next += ((ulong)length + 0xF) & ~0xFUL;
            return at;
        }

        var requests = new Dictionary<ushort, (ulong Status, uint Writable)>();
        int count = input.U8() % (MaxRequests + 1);
        int descriptors = 0;
        bool clobbers = false, rawWritable = false;
        for (int r = 0; r < count; r++)
        {
            byte layout = input.U8();
            byte typeSelector = input.U8();
            uint type = typeSelector < 0xF0 ? Types[typeSelector % Types.Length] : input.U32();
            byte sectorSelector = input.U8();
            ulong sector = sectorSelector < 0x80 ? sectorSelector : sectorSelector < 0xC0 ? input.U64() % 256 : input.U64();
            var header = new byte[16];
            BinaryPrimitives.WriteUInt32LittleEndian(header, type);
            BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(8), sector);
            ulong headerAt = Allocate(16);
            memory.Write(headerAt, header);
            bool headerWritable = (layout & 4) != 0;
            var buffers = new List<DriverBuffer>();
            if ((layout & 1) != 0)
            {
                buffers.Add(new DriverBuffer(headerAt, 8, headerWritable));
                buffers.Add(new DriverBuffer(headerAt + 8, 8, headerWritable));
            }
            else
            {
                buffers.Add(new DriverBuffer(headerAt, 16, headerWritable));
            }

            int segments = input.U8() % 7;
            for (int s = 0; s < segments; s++)
            {
                byte segmentFlags = input.U8();
                int length = input.U16() % 4097;
                ulong at = (segmentFlags & 2) != 0 ? input.U64() : Allocate(length);
                // Content goes to the data area only: a driver that scribbles over its own ring just stops the queue.
                if ((segmentFlags & 4) != 0 && at >= DataStart && memory.IsValidRange(at, (ulong)length))
                    memory.Write(at, input.Bytes(length));

                buffers.Add(new DriverBuffer(at, (uint)length, (segmentFlags & 1) != 0));
                // A device-writable buffer over the driver's own rings: the device may write there
                // (GET_ID, reads), and what the driver reads back afterwards means nothing.
                clobbers |= (segmentFlags & 1) != 0 && at < DataStart && (ulong)length > 0;
                rawWritable |= (segmentFlags & 3) == 3;
            }

            ulong status = 0;
            if ((layout & 2) == 0)
            {
                status = Allocate(1);
                memory.Write(status, new byte[] { 0xFF });
                buffers.Add(DriverBuffer.In(status, 1));
            }

            bool useIndirect = indirect && buffers.Count > 1 && (layout & 8) != 0;
            descriptors += useIndirect ? 1 : buffers.Count;
            if (descriptors > QueueSize)
                break;

            ushort id;
            if (useIndirect)
            {
                ulong table = Allocate(16 * buffers.Count);
                id = split is not null ? split.AddIndirect(table, [.. buffers]) : packedDriver!.AddIndirect(table, [.. buffers]);
            }
            else
            {
                id = split is not null ? split.AddChain([.. buffers]) : packedDriver!.AddChain([.. buffers]);
            }

            uint writable = (uint)buffers.Where(b => b.Writable).Sum(b => (long)b.Length);
            requests[id] = (status, writable);
        }

        for (int round = 0; round < 3; round++)
        {
            engine.Notify(0);
            ioThread.RunEventHandlers();
        }

        if (engine.IsBroken || fatal.Count > 0 || clobbers)
        {
            Program.Note($"fatal: {string.Join(" | ", fatal)}");
            return;
        }

        int answered = 0;
        while (split is not null ? split.TryReadUsed(out var used) : packedDriver!.TryReadUsed(out used, out _))
        {
            answered++;
            if (!requests.Remove((ushort)used.Id, out var request))
                throw new FuzzFindingException($"used entry for unknown or repeated id {used.Id}");

            if (used.Length > request.Writable)
                throw new FuzzFindingException($"used length {used.Length} above the {request.Writable} writable bytes of request {used.Id}");

            if (request.Status != 0 && !rawWritable && memory.Read<byte>(request.Status) is var st && st > VirtioBlkStatus.Unsupported)
                throw new FuzzFindingException($"request {used.Id}: status byte 0x{st:x2}");
        }

        Program.Note($"{answered} answered: {engine.GetStatistics()}");
        Program.Note($"flags 0x{flags:x2}, features 0x{features:x}, {queue.Snapshot()}");
        if (requests.Count > 0)
            throw new FuzzFindingException($"{requests.Count} request(s) neither answered nor reported fatal, {answered} answered");
    }
}
