using PSVmm.Engine.Devices.Block.Backend;
using PSVmm.Engine.Devices.Block.Throttle;
using PSVmm.Engine.IoThreads;
using PSVmm.Engine.Memory;
using PSVmm.Engine.Virtio.Queues;

namespace PSVmm.Engine.Devices.Block.Device;

/// <summary>
/// The request engine of one virtio-blk device, independent of the transport: it drains the
/// device's virtqueues on an <see cref="IIoThread"/>, parses requests, throttles them, submits
/// them to the <see cref="IBlockBackend"/> in batches and completes them (status byte, used
/// entry, used-buffer notification). Several engines may share one IoThread.
/// <para>
/// Threading: all request state is touched on the IoThread only. <see cref="Notify"/> may be
/// called from any thread; <see cref="Start"/> and <see cref="Stop"/> run on the IoThread via
/// Invoke (so they block until done). Nothing thrown by guest data leaves the IoThread: a
/// malformed ring or request makes the engine report a fatal error once and go idle until
/// <see cref="Stop"/> (the device's reset).
/// </para>
/// </summary>
public sealed partial class BlockDeviceEngine : IDisposable
{
    /// <summary>How long <see cref="Stop"/> waits for requests the backend is still working on.</summary>
    public static readonly TimeSpan DefaultDrainTimeout = TimeSpan.FromSeconds(30);

    private readonly IBlockBackend _backend;
    private readonly IIoThread _ioThread;
    private readonly byte[] _serial;
    private readonly BlockThrottle _throttle;
    private readonly ThrottledQueue<InFlightRequest> _throttled;
    private bool _unlimited;                                                 // IoThread only, after construction
    private readonly BlockDeviceCounters _counters = new();
    private readonly Dictionary<ulong, InFlightRequest> _inFlight = new();   // IoThread only
    private readonly Action<string> _log;
    private IDisposable? _completionSource;
    private Session? _session;                                               // IoThread only
    private IDisposable? _throttleTimer;
    private long _generation;
    private ulong _nextTag;
    private volatile bool _broken;
    private volatile bool _running;
    private bool _disposed;

    /// <param name="id">The disk's name, for statistics and messages.</param>
    /// <param name="backend">The image; the engine does not own it.</param>
    /// <param name="config">The device configuration (capacity, limits, writeback).</param>
    /// <param name="serial">The GET_ID answer, at most 20 bytes.</param>
    /// <param name="throttle">Rate limits (changed later by <see cref="UpdateThrottleLimits"/>); null: none yet, on the system clock.</param>
    /// <param name="log">Where device errors are described; null: nowhere.</param>
    public BlockDeviceEngine(string id, IBlockBackend backend, VirtioBlkConfig config, IIoThread ioThread,
        ReadOnlySpan<byte> serial, bool readOnly, BlockThrottle? throttle = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(ioThread);
        if (serial.Length > BlockDeviceOptions.MaxSerialBytes)
            throw new ArgumentException($"a virtio-blk serial is at most {BlockDeviceOptions.MaxSerialBytes} bytes", nameof(serial));

        Id = id;
        _backend = backend;
        Config = config;
        _ioThread = ioThread;
        _serial = serial.ToArray();
        ReadOnly = readOnly || backend.ReadOnly;
        _throttle = throttle ?? new BlockThrottle(ThrottleLimits.None);
        _throttled = new ThrottledQueue<InFlightRequest>(_throttle);
        _unlimited = _throttle.IsUnlimited;
        _log = log ?? (_ => { });
        _completionSource = ioThread.AddEventFd(backend.CompletionEventFd, OnBackendCompletions);
    }

    public string Id { get; }

    public VirtioBlkConfig Config { get; }

    public bool ReadOnly { get; }

    public IIoThread IoThread => _ioThread;

    /// <summary>True after a fatal guest error until the next <see cref="Stop"/>.</summary>
    public bool IsBroken { get => _broken; private set => _broken = value; }

    /// <summary>True between <see cref="Start"/> and <see cref="Stop"/>.</summary>
    public bool IsRunning { get => _running; private set => _running = value; }

    /// <summary>The features of the running activation (0 when stopped).</summary>
    public ulong NegotiatedFeatures { get; private set; }

    public BlockDeviceStatistics GetStatistics() => _counters.Snapshot(Id) with { Limits = _throttle.Limits };

    /// <summary>The limits in force now.</summary>
    public ThrottleLimits ThrottleLimits => _throttle.Limits;

    /// <summary>
    /// Starts serving <paramref name="queues"/> (null entries: queues the driver left disabled).
    /// <paramref name="signalQueue"/> raises the used-buffer notification of a queue (event
    /// suppression already applied); <paramref name="reportFatal"/> marks the device NEEDS_RESET.
    /// </summary>
    public void Start(IGuestMemory memory, ulong negotiatedFeatures, IReadOnlyList<IVirtqueue?> queues,
        Action<int> signalQueue, Action<string> reportFatal)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(queues);
        ArgumentNullException.ThrowIfNull(signalQueue);
        ArgumentNullException.ThrowIfNull(reportFatal);
        ObjectDisposedException.ThrowIf(_disposed, this);
        _ioThread.Invoke(() =>
        {
            if (_session is not null)
                throw new InvalidOperationException($"disk {Id} is already running; stop it first");

            var rules = new BlockRequestRules(Config.CapacitySectors, ReadOnly,
                (negotiatedFeatures & VirtioBlkFeatures.Discard) != 0,
                (negotiatedFeatures & VirtioBlkFeatures.WriteZeroes) != 0,
                Config.Limits);
            _session = new Session(++_generation, memory, negotiatedFeatures, [.. queues], signalQueue, reportFatal, rules);
            CreateKicks(queues.Count);
            // §5.2.5: with CONFIG_WCE but without FLUSH the device starts in writethrough mode.
            if ((negotiatedFeatures & VirtioBlkFeatures.ConfigWce) != 0 && (negotiatedFeatures & VirtioBlkFeatures.Flush) == 0)
                Config.SetWriteback(false);

            IsBroken = false;
            IsRunning = true;
            NegotiatedFeatures = negotiatedFeatures;
        });
    }

    /// <summary>The driver notified <paramref name="queue"/>: drain it on the IoThread. Any thread; never throws.</summary>
    public void Notify(int queue)
    {
        if (_disposed)
            return;

        if (_ioThread.IsCurrentThread)
            Drain(queue);
        else
            PostDrain(queue);
    }

    /// <summary>
    /// The device reset: stops taking requests, drops those waiting for the throttle, waits (up
    /// to <paramref name="drainTimeout"/>) for the backend to finish the ones it holds, which
    /// complete without touching the guest, and forgets the queues. Idempotent; blocks.
    /// </summary>
    public void Stop(TimeSpan? drainTimeout = null)
    {
        if (_disposed)
            return;

        var timeout = drainTimeout ?? DefaultDrainTimeout;
        _ioThread.Invoke(() => StopOnIoThread(timeout));
    }

    public void Dispose()
    {
        if (_disposed)
            return;

        try
        {
            Stop();
            _completionSource?.Dispose();
        }
        catch (ObjectDisposedException)
        {
            // The IoThread is already gone; nothing runs any more.
        }

        _completionSource = null;
        _disposed = true;
    }

    private void StopOnIoThread(TimeSpan timeout)
    {
        _generation++;
        _session = null;
        IsRunning = false;
        IsBroken = false;
        NegotiatedFeatures = 0;
        DropThrottled();
        Config.Reset();

        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (_inFlight.Count > 0)
        {
            long left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                string message = $"disk {Id}: reset went on with {_inFlight.Count} request(s) still in the backend";
                _counters.DeviceError(message);
                _log(message);
                break;
            }

            Native.EventFd.WaitReadable(_backend.CompletionEventFd, (int)Math.Min(left, 100));
            OnBackendCompletions();
        }
    }

    /// <summary>One activation: what the driver set up at DRIVER_OK.</summary>
    private sealed record Session(
        long Generation,
        IGuestMemory Memory,
        ulong Features,
        IVirtqueue?[] Queues,
        Action<int> SignalQueue,
        Action<string> ReportFatal,
        BlockRequestRules Rules)
    {
        public bool Has(ulong feature) => (Features & feature) == feature;
    }
}
