using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Throttle;
using PSVmm.Engine.IoThreads;
using PSVmm.Engine.Virtio;
using PSVmm.Engine.Virtio.Queues;

namespace PSVmm.Engine.Devices.Block.Device;

/// <summary>
/// A virtio-blk device (virtio 1.2 §5.2) for any virtio transport: it declares the block device
/// type, its queues, feature bits and configuration space, and at DRIVER_OK hands the queues the
/// driver enabled to a <see cref="BlockDeviceEngine"/> running on an <see cref="IIoThread"/>.
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
        : this(new CheckedOptions(options), backend, ioThread, ownsBackend, time, log)
    {
    }

    private VirtioBlock(CheckedOptions @checked, IBlockBackend backend, IIoThread ioThread, bool ownsBackend,
        TimeProvider? time, Action<string>? log)
        : base(VirtioDeviceType.Block, @checked.Options.QueueCount, (ushort)@checked.Options.QueueSize,
            VirtioBlkSetup.OfferedFeatures(@checked.Options, backend ?? throw new ArgumentNullException(nameof(backend))), VirtioBlkConfig.Size)
    {
        var options = @checked.Options;
        ArgumentNullException.ThrowIfNull(ioThread);
        Options = options;
        Backend = backend;
        _ownsBackend = ownsBackend;
        Config = VirtioBlkSetup.CreateConfig(options, backend);
        Engine = new BlockDeviceEngine(options.Id, backend, Config, ioThread, options.SerialBytes,
            options.ReadOnly, new BlockThrottle(options.Throttle, time), log);
    }

    /// <summary>Checks the options, opens the image they name (RawFileBackend) and creates the device owning it.</summary>
    public static VirtioBlock Open(BlockDeviceOptions options, IIoThread ioThread, Action<string>? log = null)
    {
        var @checked = new CheckedOptions(options);
        var backend = RawFileBackend.Open(options.ToBackendOptions());
        try
        {
            return new VirtioBlock(@checked, backend, ioThread, ownsBackend: true, time: null, log);
        }
        catch
        {
            backend.Dispose();
            throw;
        }
    }

    /// <summary>The disk as configured; <see cref="UpdateThrottleLimits"/> changes its limits.</summary>
    public BlockDeviceOptions Options { get; private set; }

    /// <summary>
    /// New I/O limits for the live disk, whether the driver runs or not: checked against
    /// <see cref="ThrottleLimits.Validate"/> (ArgumentException), then applied on the IoThread
    /// without dropping or reordering waiting requests (<see cref="BlockDeviceEngine.UpdateThrottleLimits"/>).
    /// </summary>
    public void UpdateThrottleLimits(ThrottleLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var problems = limits.Validate(Options.Id);
        if (problems.Count > 0)
            throw new ArgumentException(string.Join(" ", problems), nameof(limits));

        Engine.UpdateThrottleLimits(limits);
        Options = Options with { Throttle = limits };
    }

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

    /// <summary>Options that passed <see cref="BlockDeviceOptions.Validate"/> and have a queue count: checked once per device, before the image is opened.</summary>
    private readonly struct CheckedOptions
    {
        public CheckedOptions(BlockDeviceOptions options)
        {
            ArgumentNullException.ThrowIfNull(options);
            options.EnsureValid();
            if (options.NumQueues is null)
                throw new ArgumentException($"Disk '{options.Id}': NumQueues is unset; ForVcpus sets it from the VM's vCPU count.", nameof(options));
            Options = options;
        }

        public BlockDeviceOptions Options { get; }
    }
}
