using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Throttle;
using PSVmm.Engine.IoThreads;
using PSVmm.Engine.Virtio;
using PSVmm.Engine.Virtio.Queues;

namespace PSVmm.Engine.Devices.Block.Device;

/// <summary>
/// A virtio-blk device (virtio 1.2 §5.2) for any virtio transport: it declares the block device
/// type, its queues, feature bits and configuration space, and at DRIVER_OK hands the queues the
/// driver enabled to a <see cref="BlockDeviceEngine"/> running on an <see cref="IoThread"/>.
/// Queue notifications are posted to that IoThread; a reset waits until the engine is quiet.
/// </summary>
public sealed class VirtioBlock : VirtioDevice, IDisposable
{
    private readonly bool _ownsBackend;
    private bool _disposed;

    /// <param name="options">
    /// The disk, with its queue count set (<see cref="BlockDeviceOptions.ForVcpus"/>). Checked here
    /// against <see cref="BlockDeviceOptions.Validate"/>, the same rules the machine's configuration
    /// check reports to users: a few comparisons, kept because this type is public (ArgumentException
    /// with every problem).
    /// </param>
    /// <param name="backend">The opened image; disposed with the device when <paramref name="ownsBackend"/>.</param>
    /// <param name="ioThread">Where the disk's requests are served; may be shared with other devices.</param>
    /// <param name="time">The throttle's clock (tests); null: the system clock.</param>
    /// <param name="log">Where device errors are described (refused requests, broken rings).</param>
    public VirtioBlock(BlockDeviceOptions options, IBlockBackend backend, IIoThread ioThread, bool ownsBackend = true,
        TimeProvider? time = null, Action<string>? log = null)
        : base(VirtioDeviceType.Block, Checked(options, backend).QueueCount, (ushort)options.QueueSize,
            VirtioBlkSetup.OfferedFeatures(options, backend), VirtioBlkConfig.Size)
    {
        ArgumentNullException.ThrowIfNull(ioThread);
        Options = options;
        Backend = backend;
        _ownsBackend = ownsBackend;
        Config = VirtioBlkSetup.CreateConfig(options, backend);
        var throttle = options.Throttle.IsUnlimited ? null : new BlockThrottle(options.Throttle, time);
        Engine = new BlockDeviceEngine(options.Id, backend, Config, ioThread, options.SerialBytes,
            options.ReadOnly, throttle, log);
    }

    /// <summary>Opens the image the options name (RawFileBackend) and creates the device owning it (which checks the options).</summary>
    public static VirtioBlock Open(BlockDeviceOptions options, IIoThread ioThread, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var backend = RawFileBackend.Open(options.ToBackendOptions());
        try
        {
            return new VirtioBlock(options, backend, ioThread, ownsBackend: true, log: log);
        }
        catch
        {
            backend.Dispose();
            throw;
        }
    }

    public BlockDeviceOptions Options { get; }

    public IBlockBackend Backend { get; }

    public VirtioBlkConfig Config { get; }

    public BlockDeviceEngine Engine { get; }

    /// <summary>Names of the offered device feature bits.</summary>
    public IReadOnlyList<string> OfferedFeatureNames => VirtioBlkFeatures.Describe(DeviceFeatures);

    public BlockDeviceStatistics GetStatistics() => Engine.GetStatistics();

    protected override void ReadConfigBytes(int offset, Span<byte> data) => Config.Read(offset, data);

    /// <summary>§5.2.5: only writeback is writable, and only with VIRTIO_BLK_F_CONFIG_WCE negotiated.</summary>
    protected override void WriteConfigBytes(int offset, ReadOnlySpan<byte> data) =>
        Config.Write(offset, data, (Engine.NegotiatedFeatures & VirtioBlkFeatures.ConfigWce) != 0);

    protected override void OnActivate(VirtioActivation activation)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var queues = new IVirtqueue?[QueueCount];
        foreach (var config in activation.Queues)
        {
            if (!config.Enabled || (uint)config.Index >= (uint)queues.Length)
                continue;

            // The transport's rings: started and checked at DRIVER_OK, and the ones Get-VmVirtqueue reports.
            var queue = activation.Virtqueues[config.Index];
            if (!queue.Enabled)
                continue;

            queues[config.Index] = queue;
        }

        var interrupts = activation.Interrupts;
        Engine.Start(activation.Memory, activation.NegotiatedFeatures, queues,
            q => interrupts.SignalUsedBuffers(q), ReportNeedsReset);
    }

    protected override void OnReset()
    {
        if (!_disposed)
            Engine.Stop();
    }

    protected override void OnQueueNotify(int queue) => Engine.Notify(queue);

    public void Dispose()
    {
        if (_disposed)
            return;

        Reset();
        _disposed = true;
        Engine.Dispose();
        if (_ownsBackend)
            Backend.Dispose();
    }

    private static BlockDeviceOptions Checked(BlockDeviceOptions options, IBlockBackend backend)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(backend);
        options.EnsureValid();
        if (options.NumQueues is null)
            throw new ArgumentException($"Disk '{options.Id}': NumQueues is unset; ForVcpus sets it from the VM's vCPU count.", nameof(options));

        return options;
    }
}
