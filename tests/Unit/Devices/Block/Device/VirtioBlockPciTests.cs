using System.Buffers.Binary;
using PSVmm.Engine.Bus;
using PSVmm.Engine.Devices.Block;
using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Device;
using PSVmm.Engine.Devices.Block.Throttle;
using PSVmm.Engine.IoThreads;
using PSVmm.Engine.Pci;
using PSVmm.Engine.Virtio;
using PSVmm.Engine.Virtio.Transport;
using PSVmm.Tests.Devices.Block.Throttle;
using PSVmm.Tests.TestDoubles;
using PSVmm.Tests.Virtio.Queues;
using PSVmm.Tests.Virtio.Transport;
using Xunit;
using F = PSVmm.Engine.Devices.Block.VirtioBlkFeatures;
using T = PSVmm.Engine.Devices.Block.VirtioBlkRequestType;

namespace PSVmm.Tests.Devices.Block.Device;

/// <summary>
/// VirtioBlock behind the modern virtio-pci transport, driven only through what a guest can
/// touch: conf1, the BAR structures, MSI-X messages and the rings in guest RAM.
/// </summary>
public sealed class VirtioBlockPciTests : IDisposable
{
    private const int DiskSize = 1 << 20;
    private const ushort QueueSize = 32;
    private const ulong RingBase = 0x10000;
    private const ulong Accepted = VirtioFeatures.Version1 | F.Flush | F.BlkSize | F.ConfigWce | F.MultiQueue | F.SegMax;

    private readonly IoBus _mmio = new("mmio");
    private readonly IoBus _pio = new("pio");
    private readonly RecordingInterruptSink _sink = new();
    private readonly VirtqTestMemory _memory = VirtqTestMemory.Flat(BlockRig.RamSize);
    private readonly IoThread _ioThread = new("blk-pci");
    private readonly FaultInjectingBlockBackend _backend;
    private readonly MemoryBlockBackend _disk = new(DiskSize);
    private readonly ManualTimeProvider _clock = new();
    private readonly VirtioBlock _device;
    private readonly VirtioPciTestDriver _driver;
    private readonly VirtioPciTransport _transport;
    private SplitRingDriver[] _rings = [];
    private ulong _nextData = 0x200000;

    public VirtioBlockPciTests()
    {
        for (int i = 0; i < DiskSize; i++)
        {
            _disk.Data[i] = (byte)(i * 7 + (i >> 9));
        }

        _backend = new FaultInjectingBlockBackend(_disk);
        var options = new BlockDeviceOptions("mem.img") { Id = "disk0", NumQueues = 2, QueueSize = 64, Serial = "PCI-SERIAL" };
        _device = new VirtioBlock(options, _backend, _ioThread, time: _clock);
        var root = new PciRoot(_mmio, _pio, PciWindows.Default(), (start, _) => start < BlockRig.RamSize);
        _transport = new VirtioPciTransport("virtio-blk0", _device, _memory, _sink);
        _transport.AttachTo(root, _sink, 5);
        root.AssignBars();
        _driver = VirtioPciTestDriver.Find(_pio, _mmio, 0x1042);
    }

    public void Dispose()
    {
        _device.Dispose();
        _ioThread.Dispose();
    }

    /// <summary>§3.1.1 with MSI-X: vectors 0 and 1 for the queues, 2 for configuration changes.</summary>
    private void Initialise(ulong features = Accepted)
    {
        _driver.SetupMsix();
        Assert.True(_driver.Negotiate(features));
        _rings = new SplitRingDriver[2];
        for (int q = 0; q < 2; q++)
        {
            var (desc, avail, used) = VirtioPciTestDriver.SplitRings(RingBase + (ulong)q * 0x10000, QueueSize);
            _rings[q] = new SplitRingDriver(_memory, QueueSize, desc, avail, used);
            _driver.SetupQueue(q, QueueSize, desc, avail, used, vector: (ushort)q);
        }

        _driver.Common(VirtioPciCommonConfig.ConfigMsixVector, 2, 2);
        _driver.AddStatus(VirtioDeviceStatus.DriverOk);
    }

    private ulong Allocate(byte[] content)
    {
        ulong at = _nextData;
        _nextData += ((ulong)content.Length + 0xFFF) & ~0xFFFUL;
        _memory.Write(at, content);
        return at;
    }

    private (ulong Data, ulong Status) AddRequest(int queue, T type, ulong sector, int dataLength, bool dataWritable, byte[]? content = null)
    {
        var header = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)type);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(8), sector);
        ulong h = Allocate(header);
        ulong data = Allocate(content ?? new byte[Math.Max(dataLength, 1)]);
        ulong status = Allocate([0xFF]);
        var buffers = new List<DriverBuffer> { DriverBuffer.Out(h, 16) };
        if (dataLength > 0)
        {
            buffers.Add(new DriverBuffer(data, (uint)dataLength, dataWritable));
        }

        buffers.Add(DriverBuffer.In(status, 1));
        _rings[queue].AddChain([.. buffers]);
        return (data, status);
    }

    private UsedEntry WaitUsed(int queue)
    {
        UsedEntry entry = default;
        Assert.True(SpinWait.SpinUntil(() => _rings[queue].TryReadUsed(out entry), 5000), $"no used entry on queue {queue}");
        return entry;
    }

    private byte Status(ulong at) => _memory.Read<byte>(at);

    [Fact]
    public void The_driver_sees_a_block_device_with_its_features_and_configuration()
    {
        ulong offered = _driver.ReadDeviceFeatures();
        Assert.Equal(F.Flush | F.ConfigWce | F.SegMax | F.BlkSize | F.Topology | F.MultiQueue | F.Discard | F.WriteZeroes,
            offered & 0xFFFFFF);
        Assert.NotEqual(0UL, offered & VirtioFeatures.Version1);
        Assert.Equal((ulong)DiskSize / 512, _driver.DeviceConfig(VirtioBlkConfig.CapacityOffset, 4) | _driver.DeviceConfig(4, 4) << 32);
        Assert.Equal(62UL, _driver.DeviceConfig(VirtioBlkConfig.SegMaxOffset, 4));
        Assert.Equal(512UL, _driver.DeviceConfig(VirtioBlkConfig.BlkSizeOffset, 4));
        Assert.Equal(2UL, _driver.DeviceConfig(VirtioBlkConfig.NumQueuesOffset, 2));
        Assert.Equal(2UL, _driver.Common(VirtioPciCommonConfig.NumQueues, 2));
        _driver.Common(VirtioPciCommonConfig.QueueSelect, 2, 1);
        Assert.Equal(64UL, _driver.Common(VirtioPciCommonConfig.QueueSize, 2));
    }

    [Fact]
    public void DRIVER_OK_starts_processing_and_completions_raise_the_queue_vector()
    {
        _driver.SetupMsix();
        Assert.True(_driver.Negotiate(Accepted));
        Assert.False(_device.Engine.IsRunning);
        Initialise();
        Assert.True(_device.Engine.IsRunning);
        Assert.Equal(Accepted, _device.Engine.NegotiatedFeatures);

        var content = Enumerable.Range(0, 1024).Select(i => (byte)(i ^ 0x3C)).ToArray();
        var (_, writeStatus) = AddRequest(1, T.Out, 4, 1024, dataWritable: false, content);
        _driver.Notify(1);
        Assert.Equal(1u, WaitUsed(1).Length);
        Assert.Equal(VirtioBlkStatus.Ok, Status(writeStatus));
        Assert.Equal(content, _disk.Data.Slice(4 * 512, 1024).ToArray());
        Assert.True(SpinWait.SpinUntil(() => _sink.Msis.Contains(new(VirtioPciTestDriver.MessageFor(1).Address, VirtioPciTestDriver.MessageFor(1).Data)), 5000));

        var (data, readStatus) = AddRequest(0, T.In, 4, 1024, dataWritable: true);
        _driver.Notify(0);
        Assert.Equal(1025u, WaitUsed(0).Length);
        Assert.Equal(VirtioBlkStatus.Ok, Status(readStatus));
        var back = new byte[1024];
        _memory.Read(data, back);
        Assert.Equal(content, back);

        var (id, idStatus) = AddRequest(0, T.GetId, 0, 20, dataWritable: true);
        _driver.Notify(0);
        Assert.Equal(21u, WaitUsed(0).Length);
        var serial = new byte[20];
        _memory.Read(id, serial);
        Assert.Equal("PCI-SERIAL", System.Text.Encoding.ASCII.GetString(serial).TrimEnd('\0'));
        Assert.Equal(VirtioBlkStatus.Ok, Status(idStatus));
    }

    [Fact]
    public void Limits_changed_on_the_live_device_hold_and_release_requests_in_order_without_dropping_any()
    {
        Initialise();
        _device.UpdateThrottleLimits(new ThrottleLimits { TotalIops = new ThrottleRate(1) });
        Assert.Equal(new ThrottleRate(1), _device.Options.Throttle.TotalIops);

        var requests = Enumerable.Range(0, 4).Select(i => AddRequest(0, T.In, (ulong)i, 512, dataWritable: true)).ToList();
        _driver.Notify(0);
        WaitUsed(0);
        Thread.Sleep(100);
        Assert.False(_rings[0].TryReadUsed(out _));
        Assert.Equal(3, _device.GetStatistics().ThrottledWaiting);

        // A bad update is refused whole and changes nothing.
        Assert.Throws<ArgumentException>(() => _device.UpdateThrottleLimits(new ThrottleLimits { TotalIops = new ThrottleRate(-1) }));
        Assert.Equal(new ThrottleRate(1), _device.Options.Throttle.TotalIops);

        _device.UpdateThrottleLimits(ThrottleLimits.None);
        var ids = Enumerable.Range(0, 3).Select(_ => WaitUsed(0).Id).ToList();
        Assert.Equal([3u, 6u, 9u], ids);   // the heads of the 2nd to 4th chains (three descriptors each), in order
        Assert.All(requests, r => Assert.Equal(VirtioBlkStatus.Ok, Status(r.Status)));
        Assert.Equal(0, _device.GetStatistics().ThrottledWaiting);
        Assert.True(_device.GetStatistics().Limits.IsUnlimited);
    }

    [Fact]
    public void One_kick_counts_once_in_the_transport_and_in_the_queue_Get_VmVirtqueue_reads()
    {
        Initialise();
        for (int i = 0; i < 3; i++)
        {
            AddRequest(0, T.In, (ulong)i, 512, dataWritable: true);
            _driver.Notify(0);
            WaitUsed(0);
        }

        var info = _transport.GetInfo();
        Assert.Equal(3, info.Counters.Notifications);
        Assert.Equal(3UL, info.QueueStates[0].Notifications);
    }

    [Fact]
    public void Writeback_is_writable_through_the_device_config_only_with_CONFIG_WCE()
    {
        Initialise(Accepted & ~F.ConfigWce);
        _driver.DeviceConfig(VirtioBlkConfig.WritebackOffset, 1, 0);
        Assert.Equal(1UL, _driver.DeviceConfig(VirtioBlkConfig.WritebackOffset, 1));

        _driver.Status = VirtioDeviceStatus.None;
        Initialise();
        _driver.DeviceConfig(VirtioBlkConfig.WritebackOffset, 1, 0);
        Assert.Equal(0UL, _driver.DeviceConfig(VirtioBlkConfig.WritebackOffset, 1));
        AddRequest(0, T.Out, 0, 512, dataWritable: false);
        _driver.Notify(0);
        WaitUsed(0);
        Assert.Equal(1, _disk.Flushes);

        // A device reset restores writeback.
        _driver.Status = VirtioDeviceStatus.None;
        Assert.Equal(1UL, _driver.DeviceConfig(VirtioBlkConfig.WritebackOffset, 1));
    }

    [Fact]
    public void A_malformed_request_sets_NEEDS_RESET_and_a_reset_brings_the_device_back()
    {
        Initialise();
        ulong header = Allocate(new byte[16]);
        _rings[0].AddChain(DriverBuffer.Out(header, 8), DriverBuffer.In(Allocate([0xFF]), 1));
        _driver.Notify(0);
        Assert.True(SpinWait.SpinUntil(() => (_driver.Status & VirtioDeviceStatus.DeviceNeedsReset) != 0, 5000));
        var config = VirtioPciTestDriver.MessageFor(2);
        Assert.True(SpinWait.SpinUntil(() => _sink.Msis.Contains(new(config.Address, config.Data)), 5000));
        Assert.True(_device.Engine.IsBroken);

        _driver.Status = VirtioDeviceStatus.None;
        Assert.False(_device.Engine.IsRunning);
        Initialise();
        var (_, status) = AddRequest(0, T.In, 0, 512, dataWritable: true);
        _driver.Notify(0);
        Assert.Equal(513u, WaitUsed(0).Length);
        Assert.Equal(VirtioBlkStatus.Ok, Status(status));
    }

    [Fact]
    public void A_driver_reset_with_requests_in_flight_leaves_the_rings_alone()
    {
        Initialise();
        _backend.DelayWhen(r => r.Kind == BlockIoKind.Read, times: 2);
        var (_, s1) = AddRequest(0, T.In, 0, 512, dataWritable: true);
        var (_, s2) = AddRequest(1, T.In, 1, 512, dataWritable: true);
        _driver.Notify(0);
        _driver.Notify(1);
        Assert.True(SpinWait.SpinUntil(() => _backend.DelayedCount == 2, 5000));

        var reset = new BackgroundCall(() => _driver.Status = VirtioDeviceStatus.None);
        Assert.True(SpinWait.SpinUntil(() => !_device.Engine.IsRunning, 5000));
        Assert.False(reset.Wait(100));
        _backend.ReleaseDelayed();
        Assert.True(reset.Wait(5000));

        Assert.False(_rings[0].TryReadUsed(out _));
        Assert.False(_rings[1].TryReadUsed(out _));
        Assert.Equal(0xFF, Status(s1));
        Assert.Equal(0xFF, Status(s2));
        Assert.Equal(VirtioDeviceStatus.None, _driver.Status);
    }

    [Fact]
    public void Invalid_options_are_refused_with_every_reason()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            new VirtioBlock(new BlockDeviceOptions("x") { Serial = "this serial is far too long", QueueSize = 3 }, new MemoryBlockBackend(4096), _ioThread));
        Assert.Contains("at most 20 bytes", e.Message);
        Assert.Contains("QueueSize 3", e.Message);
    }

    [Fact]
    public void Packed_rings_with_event_idx_and_indirect_descriptors_work_through_the_transport()
    {
        _driver.SetupMsix();
        ulong features = Accepted | VirtioFeatures.RingPacked | VirtioFeatures.EventIdx | VirtioFeatures.IndirectDesc;
        Assert.True(_driver.Negotiate(features));
        var packed = new PackedRingDriver[2];
        for (int q = 0; q < 2; q++)
        {
            ulong desc = RingBase + (ulong)q * 0x10000;
            packed[q] = new PackedRingDriver(_memory, QueueSize, desc, desc + 0x1000, desc + 0x2000);
            _driver.SetupQueue(q, QueueSize, desc, desc + 0x1000, desc + 0x2000, vector: (ushort)q);
        }

        _driver.Common(VirtioPciCommonConfig.ConfigMsixVector, 2, 2);
        _driver.AddStatus(VirtioDeviceStatus.DriverOk);
        Assert.Equal(features, _device.Engine.NegotiatedFeatures);

        var header = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)T.In);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(8), 9);
        ulong h = Allocate(header), a = Allocate(new byte[512]), b = Allocate(new byte[512]), status = Allocate([0xFF]);
        ulong table = Allocate(new byte[64]);
        ushort id = packed[1].AddIndirect(table, DriverBuffer.Out(h, 16), DriverBuffer.In(a, 512), DriverBuffer.In(b, 512), DriverBuffer.In(status, 1));
        _driver.Notify(1);
        UsedEntry used = default;
        Assert.True(SpinWait.SpinUntil(() => packed[1].TryReadUsed(out used, out _), 5000));
        Assert.Equal(new UsedEntry(id, 1025), used);
        Assert.Equal(VirtioBlkStatus.Ok, Status(status));
        var data = new byte[1024];
        _memory.Read(a, data.AsSpan(0, 512));
        _memory.Read(b, data.AsSpan(512));
        Assert.Equal(_disk.Data.Slice(9 * 512, 1024).ToArray(), data);
        var vector1 = VirtioPciTestDriver.MessageFor(1);
        Assert.True(SpinWait.SpinUntil(() => _sink.Msis.Contains(new(vector1.Address, vector1.Data)), 5000));
    }

    [Fact]
    public void An_ioeventfd_on_the_IoThread_delivers_notifications_without_the_BAR()
    {
        Initialise();
        using var doorbell = new PSVmm.Engine.Native.EventFd();
        using var source = _ioThread.AddEventFd(doorbell.Fd, () => _transport.DeliverNotify(0));

        var (_, status) = AddRequest(0, T.In, 2, 512, dataWritable: true);
        doorbell.Signal();
        Assert.Equal(513u, WaitUsed(0).Length);
        Assert.Equal(VirtioBlkStatus.Ok, Status(status));
    }
}
