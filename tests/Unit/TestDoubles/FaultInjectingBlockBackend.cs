using PSVmm.Engine.Devices.Block.Backend;

namespace PSVmm.Tests.TestDoubles;

/// <summary>
/// Wraps a backend and, for requests a rule matches, fails them with a chosen errno without
/// reaching the inner backend, or holds them back until <see cref="ReleaseDelayed"/> (to test
/// out-of-order completion, requests in flight at reset, and so on). Everything else passes
/// through. Completions of both kinds arrive through the inner backend's eventfd: an injected
/// one rings it, and <see cref="DrainCompletions"/> drains both. Owns the inner backend.
/// </summary>
public sealed class FaultInjectingBlockBackend : IBlockBackend
{
    private readonly object _lock = new();
    private readonly IBlockBackend _inner;
    private readonly List<Rule> _rules = new();
    private readonly Queue<BlockCompletion> _injected = new();
    private readonly List<BlockIoRequest> _delayed = new();
    private readonly List<BlockIoRequest> _submitted = new();
    private readonly BlockStatisticsCounters _stats = new();

    public FaultInjectingBlockBackend(IBlockBackend inner) => _inner = inner;

    public IBlockBackend Inner => _inner;

    public long Size => _inner.Size;

    public bool ReadOnly => _inner.ReadOnly;

    public int LogicalBlockSize => _inner.LogicalBlockSize;

    public BlockCacheMode CacheMode => _inner.CacheMode;

    public bool SupportsDiscard => _inner.SupportsDiscard;

    public bool SupportsWriteZeroes => _inner.SupportsWriteZeroes;

    public int CompletionEventFd => _inner.CompletionEventFd;

    /// <summary>Every request submitted through this wrapper, in order.</summary>
    public IReadOnlyList<BlockIoRequest> Submitted
    {
        get
        {
            lock (_lock)
            {
                return _submitted.ToList();
            }
        }
    }

    public int DelayedCount
    {
        get
        {
            lock (_lock)
            {
                return _delayed.Count;
            }
        }
    }

    /// <summary>The next <paramref name="times"/> requests <paramref name="match"/> accepts fail with <paramref name="errno"/>.</summary>
    public FaultInjectingBlockBackend FailWhen(Func<BlockIoRequest, bool> match, int errno, int times = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(errno);
        lock (_lock)
        {
            _rules.Add(new Rule(match, errno, times));
        }

        return this;
    }

    public FaultInjectingBlockBackend FailNext(BlockIoKind kind, int errno, int times = 1) =>
        FailWhen(r => r.Kind == kind, errno, times);

    /// <summary>The next <paramref name="times"/> matching requests are held until <see cref="ReleaseDelayed"/>.</summary>
    public FaultInjectingBlockBackend DelayWhen(Func<BlockIoRequest, bool> match, int times = int.MaxValue)
    {
        lock (_lock)
        {
            _rules.Add(new Rule(match, 0, times));
        }

        return this;
    }

    /// <summary>Sends held requests on to the inner backend (newest first when <paramref name="reverse"/>, to reorder completions).</summary>
    public int ReleaseDelayed(bool reverse = false)
    {
        List<BlockIoRequest> held;
        lock (_lock)
        {
            held = _delayed.ToList();
            _delayed.Clear();
        }

        if (reverse)
        {
            held.Reverse();
        }

        foreach (var request in held)
        {
            _inner.Submit(request);
        }

        return held.Count;
    }

    public void ClearRules()
    {
        lock (_lock)
        {
            _rules.Clear();
        }
    }

    public void Submit(BlockIoRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Rule? rule;
        lock (_lock)
        {
            _submitted.Add(request);
            _stats.Submitted();
            rule = _rules.FirstOrDefault(r => r.Remaining > 0 && r.Match(request));
            if (rule is not null)
            {
                rule.Remaining--;
                if (rule.Errno != 0)
                {
                    _injected.Enqueue(new BlockCompletion(request.UserData, request.Kind, -rule.Errno));
                    RingInnerEventFd();
                    return;
                }

                _delayed.Add(request);
                return;
            }
        }

        _inner.Submit(request);
    }

    public int DrainCompletions(Action<BlockCompletion> onCompletion)
    {
        ArgumentNullException.ThrowIfNull(onCompletion);
        int count = _inner.DrainCompletions(c => Deliver(c, onCompletion));
        while (true)
        {
            BlockCompletion completion;
            lock (_lock)
            {
                if (!_injected.TryDequeue(out completion))
                {
                    break;
                }
            }

            Deliver(completion, onCompletion);
            count++;
        }

        return count;
    }

    public BlockBackendStatistics GetStatistics() => _stats.Snapshot();

    public void Dispose() => _inner.Dispose();

    private void Deliver(BlockCompletion completion, Action<BlockCompletion> onCompletion)
    {
        _stats.Completed(completion.Kind, completion.Result);
        onCompletion(completion);
    }

    // Writing to an eventfd only adds to its counter, so ringing the inner backend's doorbell is safe:
    // its next drain resets it, and ours then delivers the injected completions.
    private unsafe void RingInnerEventFd()
    {
        ulong one = 1;
        Tmds.Linux.LibC.write(_inner.CompletionEventFd, &one, sizeof(ulong));
    }

    private sealed class Rule(Func<BlockIoRequest, bool> match, int errno, int times)
    {
        public Func<BlockIoRequest, bool> Match { get; } = match;

        public int Errno { get; } = errno;

        public int Remaining { get; set; } = times;
    }
}
