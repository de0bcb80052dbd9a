using System.Buffers.Binary;
using System.Collections.Concurrent;
using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Device;
using PSVmm.Engine.Devices.Block.Throttle;
using PSVmm.Engine.IoThreads;
using PSVmm.Engine.Virtio;
using PSVmm.Engine.Virtio.Queues;
using PSVmm.Tests.TestDoubles;
using PSVmm.Tests.Virtio.Queues;
using Xunit;

namespace PSVmm.Tests.Devices.Block.Device;

/// <summary>
/// A virtio-blk engine on its own (or a shared) IoThread, driven like a guest driver would:
/// rings in pinned test memory, requests built from header / data / status buffers, kicks,
/// used entries and interrupts read back.
/// </summary>
internal sealed class BlockRig : IDisposable
{
    public const ulong RamSize = 16 << 20;
    private const ulong QueueAreaStride = 0x10000;
    private const ulong DataStart = 0x200000;

    private readonly bool _ownsIoThread;
    private readonly bool _ownsBackend;
    private ulong _nextData = DataStart;

    public BlockRig(IBlockBackend backend, BlockDeviceOptions? options = null, bool packed = false, ushort queueSize = 64,
        IoThread? ioThread = null, ulong? features = null, BlockThrottle? throttle = null, VirtqTestMemory? memory = null,
        bool ownsBackend = true, bool start = true)
    {
        Options = options ?? new BlockDeviceOptions("test.img") { Id = "disk0", NumQueues = 1, Serial = "PSVMM-TEST" };
        Backend = backend;
        _ownsBackend = ownsBackend;
        Memory = memory ?? VirtqTestMemory.Flat(RamSize);
        _ownsIoThread = ioThread is null;
        IoThread = ioThread ?? new IoThread("blk-test", (_, e) => HandlerErrors.Enqueue(e));
        Offered = VirtioBlkSetup.OfferedFeatures(Options, backend);
        Config = VirtioBlkSetup.CreateConfig(Options, backend);
        Engine = new BlockDeviceEngine(Options.Id, backend, Config, IoThread, Options.SerialBytes,
            Options.ReadOnly, throttle, Log.Enqueue);
        Packed = packed;
        QueueSize = queueSize;
        Features = features ?? (Offered | VirtioFeatures.Version1 | VirtioFeatures.IndirectDesc | (packed ? VirtioFeatures.RingPacked : 0));
        if (start)
        {
            Start();
        }
    }

    public BlockDeviceOptions Options { get; }
    public IBlockBackend Backend { get; }
    public VirtqTestMemory Memory { get; }
    public IoThread IoThread { get; }
    public VirtioBlkConfig Config { get; }
    public BlockDeviceEngine Engine { get; }
    public ulong Offered { get; }
    public ulong Features { get; }
    public bool Packed { get; }
    public ushort QueueSize { get; }
    public Virtqueue[] Queues { get; private set; } = [];
    public IRingDriver[] Drivers { get; private set; } = [];
    public ConcurrentQueue<int> Signals { get; } = new();
    public ConcurrentQueue<string> FatalErrors { get; } = new();
    public ConcurrentQueue<string> Log { get; } = new();
    public ConcurrentQueue<Exception> HandlerErrors { get; } = new();

    /// <summary>Builds fresh rings for every queue (as a driver does after reset) and starts the engine.</summary>
    public void Start()
    {
        int count = Options.QueueCount;
        Queues = new Virtqueue[count];
        Drivers = new IRingDriver[count];
        for (int q = 0; q < count; q++)
        {
            ulong desc = 0x10000 + QueueAreaStride * (ulong)q;
            ulong driverArea = desc + 0x4000;
            ulong deviceArea = desc + 0x8000;
            Drivers[q] = Packed
                ? new PackedDriverAdapter(new PackedRingDriver(Memory, QueueSize, desc, driverArea, deviceArea))
                : new SplitDriverAdapter(new SplitRingDriver(Memory, QueueSize, desc, driverArea, deviceArea));
            var queue = new Virtqueue(q, 1024, Memory);
            queue.Enable(new RingGeometry(QueueSize, desc, driverArea, deviceArea), Features);
            Queues[q] = queue;
        }

        Engine.Start(Memory, Features, Queues, Signals.Enqueue, FatalErrors.Enqueue);
    }

    /// <summary>Guest RAM for data buffers (4 KiB aligned, never reused), filled with <paramref name="fill"/>.</summary>
    public ulong Allocate(uint length, byte fill = 0)
    {
        ulong at = _nextData;
        _nextData += (length + 0xFFFUL) & ~0xFFFUL;
        Assert.True(_nextData <= RamSize, "test ran out of guest data memory");
        Memory.Write(at, Enumerable.Repeat(fill, (int)length).ToArray());
        return at;
    }

    public ulong Header(VirtioBlkRequestType type, ulong sector) => Header((uint)type, sector);

    public ulong Header(uint type, ulong sector)
    {
        ulong at = Allocate(16);
        var raw = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(raw, type);
        BinaryPrimitives.WriteUInt64LittleEndian(raw.AsSpan(8), sector);
        Memory.Write(at, raw);
        return at;
    }

    /// <summary>A status byte preset to 0xFF, so a test sees whether the device wrote it.</summary>
    public ulong Status() => Allocate(1, 0xFF);

    public ulong Bytes(byte[] content)
    {
        ulong at = Allocate((uint)content.Length);
        Memory.Write(at, content);
        return at;
    }

    public byte ReadStatus(ulong at) => Memory.Read<byte>(at);

    public byte[] Read(ulong at, int length)
    {
        var data = new byte[length];
        Memory.Read(at, data);
        return data;
    }

    /// <summary>An IN request: header, one writable data buffer, status. Not yet kicked.</summary>
    public Pending AddRead(int queue, ulong sector, uint length)
    {
        ulong header = Header(VirtioBlkRequestType.In, sector);
        ulong data = Allocate(length, 0xEE);
        ulong status = Status();
        ushort id = Drivers[queue].AddChain(DriverBuffer.Out(header, 16), DriverBuffer.In(data, length), DriverBuffer.In(status, 1));
        return new Pending(queue, id, data, status);
    }

    /// <summary>An OUT request: header, one readable data buffer, status. Not yet kicked.</summary>
    public Pending AddWrite(int queue, ulong sector, byte[] content)
    {
        ulong header = Header(VirtioBlkRequestType.Out, sector);
        ulong data = Bytes(content);
        ulong status = Status();
        ushort id = Drivers[queue].AddChain(DriverBuffer.Out(header, 16), DriverBuffer.Out(data, (uint)content.Length), DriverBuffer.In(status, 1));
        return new Pending(queue, id, data, status);
    }

    /// <summary>A request with no data: header and status only (FLUSH, unknown types).</summary>
    public Pending AddBare(int queue, uint type, ulong sector = 0)
    {
        ulong header = Header(type, sector);
        ulong status = Status();
        ushort id = Drivers[queue].AddChain(DriverBuffer.Out(header, 16), DriverBuffer.In(status, 1));
        return new Pending(queue, id, 0, status);
    }

    /// <summary>A discard or write-zeroes request with the given {sector, num_sectors, flags} segments.</summary>
    public Pending AddRanges(int queue, VirtioBlkRequestType type, params (ulong Sector, uint Sectors, uint Flags)[] segments)
    {
        ulong header = Header(type, 0);
        var raw = new byte[16 * segments.Length];
        for (int i = 0; i < segments.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(raw.AsSpan(16 * i), segments[i].Sector);
            BinaryPrimitives.WriteUInt32LittleEndian(raw.AsSpan(16 * i + 8), segments[i].Sectors);
            BinaryPrimitives.WriteUInt32LittleEndian(raw.AsSpan(16 * i + 12), segments[i].Flags);
        }

        ulong data = Bytes(raw);
        ulong status = Status();
        ushort id = Drivers[queue].AddChain(DriverBuffer.Out(header, 16), DriverBuffer.Out(data, (uint)raw.Length), DriverBuffer.In(status, 1));
        return new Pending(queue, id, data, status);
    }

    public void Kick(int queue = 0) => Engine.Notify(queue);

    /// <summary>Waits for <paramref name="count"/> used entries on <paramref name="queue"/>.</summary>
    public List<UsedEntry> WaitUsed(int queue, int count, int timeoutMs = 10_000)
    {
        var entries = new List<UsedEntry>();
        var deadline = Environment.TickCount64 + timeoutMs;
        while (entries.Count < count)
        {
            if (Drivers[queue].TryReadUsed(out var entry))
            {
                entries.Add(entry);
                continue;
            }

            Assert.True(Environment.TickCount64 < deadline,
                $"queue {queue}: {entries.Count} of {count} used entries after {timeoutMs} ms; log: {string.Join(" | ", Log)}");
            Thread.Sleep(1);
        }

        // The device publishes the used entry before it signals: let the handler finish.
        Settle();
        return entries;
    }

    /// <summary>Kicks, waits for the one used entry and checks it belongs to <paramref name="request"/>; returns its length.</summary>
    public uint Run(Pending request)
    {
        Kick(request.Queue);
        var used = WaitUsed(request.Queue, 1);
        Assert.Equal(request.Id, used[0].Id);
        return used[0].Length;
    }

    /// <summary>Waits until every posted action before this call ran on the IoThread.</summary>
    public void Settle() => IoThread.Invoke(() => { });

    /// <summary>Asserts nothing shows up on <paramref name="queue"/> for a while.</summary>
    public void AssertNoUsed(int queue, int waitMs = 100)
    {
        Thread.Sleep(waitMs);
        Settle();
        Assert.False(Drivers[queue].TryReadUsed(out var entry), $"unexpected used entry {entry}");
    }

    public void Dispose()
    {
        Engine.Dispose();
        if (_ownsBackend)
        {
            Backend.Dispose();
        }

        if (_ownsIoThread)
        {
            IoThread.Dispose();
        }
    }

    internal readonly record struct Pending(int Queue, ushort Id, ulong Data, ulong Status);
}
