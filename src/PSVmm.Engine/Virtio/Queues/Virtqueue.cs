using PSVmm.Engine.Memory;

namespace PSVmm.Engine.Virtio.Queues;

/// <summary>
/// One virtqueue: the layout the transport enables it with (size, area addresses) and, while
/// enabled, a split or packed ring. Every public member takes the queue lock, so the
/// transport (vCPU thread), the device (IoThread) and cmdlets (snapshots) may call concurrently.
/// </summary>
public sealed class Virtqueue : IVirtqueue
{
    /// <summary>The specification's limit: both ring formats allow at most 2^15 entries (§2.7, §2.8). What a device offers is its own, smaller choice.</summary>
    public const ushort SpecMaxQueueSize = 32768;

    /// <summary>Default limit on entries in one indirect table (QEMU uses the same bound).</summary>
    public const int DefaultMaxIndirectEntries = 1024;

    private readonly object _lock = new();
    private readonly RingMemory _memory;
    private Ring? _ring;
    private RingGeometry _geometry;
    private ulong _features;
    // Bumped by Reset and Enable so chains of an earlier incarnation are recognised as stale.
    private long _generation;
    private ulong _popped;
    private ulong _completed;
    private ulong _notifications;
    private ulong _interrupts;
    private ulong _suppressed;
    private VirtqueueErrorReason? _lastError;

    public Virtqueue(int index, ushort maxSize, IGuestMemory memory, int maxIndirectEntries = DefaultMaxIndirectEntries)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        if (maxSize == 0 || maxSize > SpecMaxQueueSize)
            throw new ArgumentOutOfRangeException(nameof(maxSize), maxSize, $"must be 1..{SpecMaxQueueSize}");

        ArgumentOutOfRangeException.ThrowIfLessThan(maxIndirectEntries, 1);
        Index = index;
        MaxSize = maxSize;
        MaxIndirectEntries = maxIndirectEntries;
        _memory = new RingMemory(memory);
        _geometry = AtReset;
    }

    public int Index { get; }

    public ushort MaxSize { get; }

    /// <summary>Largest indirect table accepted, in entries.</summary>
    public int MaxIndirectEntries { get; }

    public ushort Size
    {
        get { lock (_lock) { return _geometry.Size; } }
    }

    public ulong DescriptorAreaAddress
    {
        get { lock (_lock) { return _geometry.DescriptorArea; } }
    }

    public ulong DriverAreaAddress
    {
        get { lock (_lock) { return _geometry.DriverArea; } }
    }

    public ulong DeviceAreaAddress
    {
        get { lock (_lock) { return _geometry.DeviceArea; } }
    }

    public bool Enabled
    {
        get { lock (_lock) { return _ring is not null; } }
    }

    public ulong Features
    {
        get { lock (_lock) { return _features; } }
    }

    public VirtqueueFormat Format
    {
        get { lock (_lock) { return FormatOf(_features); } }
    }

    private static VirtqueueFormat FormatOf(ulong features) =>
        RingFeatures.Has(features, RingFeatures.RingPackedBit) ? VirtqueueFormat.Packed : VirtqueueFormat.Split;

    private RingGeometry AtReset => new(MaxSize, 0, 0, 0);

    public void Enable(RingGeometry geometry, ulong negotiatedFeatures)
    {
        lock (_lock)
        {
            ThrowIfEnabled();
            _geometry = geometry;
            try
            {
                // §4.1.4.3.2: queue_size 0 or above the offered maximum cannot be used.
                if (geometry.Size == 0)
                    throw new VirtqueueException(VirtqueueErrorReason.QueueSizeZero, "queue size is 0");

                if (geometry.Size > MaxSize)
                {
                    throw new VirtqueueException(VirtqueueErrorReason.QueueSizeTooLarge,
                        $"queue size {geometry.Size} exceeds the maximum {MaxSize}");
                }

                Ring ring;
                if (FormatOf(negotiatedFeatures) == VirtqueueFormat.Packed)
                {
                    PackedRing.CheckLayout(_memory.Guest, geometry);
                    ring = new PackedRing(_memory, geometry, negotiatedFeatures, MaxIndirectEntries);
                }
                else
                {
                    SplitRing.CheckLayout(_memory.Guest, geometry);
                    ring = new SplitRing(_memory, geometry, negotiatedFeatures, MaxIndirectEntries);
                }

                _features = negotiatedFeatures;
                _ring = ring;
                _generation++;
                _lastError = null;
            }
            catch (VirtqueueException e) when (Record(e))
            {
                throw;
            }
        }
    }

    public void Reset()
    {
        lock (_lock)
        {
            _ring = null;
            _generation++;
            _geometry = AtReset;
            _features = 0;
            _popped = 0;
            _completed = 0;
            _notifications = 0;
            _interrupts = 0;
            _suppressed = 0;
            _lastError = null;
        }
    }

    public bool TryPop(out DescriptorChain chain)
    {
        lock (_lock)
        {
            var ring = RequireRing();
            try
            {
                if (!ring.TryPop(out chain))
                {
                    return false;
                }
            }
            catch (VirtqueueException e) when (Record(e))
            {
                throw;
            }

            chain.Owner = this;
            chain.Generation = _generation;
            _popped++;
            return true;
        }
    }

    public bool AddUsed(DescriptorChain chain, uint writtenLength)
    {
        ArgumentNullException.ThrowIfNull(chain);
        if (writtenLength > chain.WritableLength)
        {
            throw new ArgumentOutOfRangeException(nameof(writtenLength), writtenLength,
                $"more than the chain's {chain.WritableLength} writable bytes");
        }

        lock (_lock)
        {
            if (!ReferenceEquals(chain.Owner, this))
                throw new InvalidOperationException($"chain {chain.Id} was not popped from queue {Index}");

            if (chain.Generation != _generation || _ring is null)
            {
                return false;
            }

            if (chain.Returned)
                throw new InvalidOperationException($"chain {chain.Id} was already returned to queue {Index}");

            try
            {
                _ring.AddUsed(chain, writtenLength);
            }
            catch (VirtqueueException e) when (Record(e))
            {
                throw;
            }

            chain.Returned = true;
            _completed++;
            return true;
        }
    }

    public bool NeedsNotification()
    {
        lock (_lock)
        {
            var ring = RequireRing();
            bool? decision;
            try
            {
                decision = ring.NeedsNotification();
            }
            catch (VirtqueueException e) when (Record(e))
            {
                throw;
            }

            if (decision is null)
            {
                return false;
            }

            if (decision.Value)
                _interrupts++;
            else
                _suppressed++;

            return decision.Value;
        }
    }

    public bool EnableGuestNotifications()
    {
        lock (_lock)
        {
            var ring = RequireRing();
            try
            {
                return ring.EnableGuestNotifications();
            }
            catch (VirtqueueException e) when (Record(e))
            {
                throw;
            }
        }
    }

    public void DisableGuestNotifications()
    {
        lock (_lock)
        {
            var ring = RequireRing();
            try
            {
                ring.DisableGuestNotifications();
            }
            catch (VirtqueueException e) when (Record(e))
            {
                throw;
            }
        }
    }

    public void RecordDriverNotification()
    {
        lock (_lock)
        {
            _notifications++;
        }
    }

    public VirtqueueState Snapshot()
    {
        lock (_lock)
        {
            var position = _ring?.Position ?? new RingPosition(0, true, 0, true, 0);
            return new VirtqueueState(Index, FormatOf(_features), _geometry, MaxSize, _ring is not null, _features,
                position.NextAvail, position.AvailWrap, position.UsedIdx, position.UsedWrap, position.LastAvailIdx,
                _ring?.GuestNotificationsEnabled ?? true,
                _popped, _completed, _notifications, _interrupts, _suppressed, _lastError);
        }
    }

    /// <summary>
    /// Exception filter: records the reason of a guest error and lets it propagate unchanged
    /// (always false, so the catch blocks it guards never run).
    /// </summary>
    private bool Record(VirtqueueException e)
    {
        _lastError = e.Reason;
        return false;
    }

    private Ring RequireRing() =>
        _ring ?? throw new InvalidOperationException($"queue {Index} is not enabled");

    private void ThrowIfEnabled()
    {
        if (_ring is not null)
            throw new InvalidOperationException($"queue {Index} is already enabled; reset it first");
    }
}
