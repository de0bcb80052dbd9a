using PSVmm.Engine.Devices.Block.Backend;

namespace PSVmm.Tests.TestDoubles;

/// <summary>
/// Wraps a backend and, for requests a rule matches, fails them with a chosen errno or reports a
/// short transfer (fewer bytes than asked, which breaks the backend contract the way a buggy or
/// hostile backend would) without reaching the inner backend, or holds them back until
/// <see cref="ReleaseDelayed"/> (to test out-of-order completion, requests in flight at reset,
/// and so on). Everything else passes
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
        return AddRule(new Rule(match, _ => -errno, times));
    }

    /// <summary>
    /// The next <paramref name="times"/> matching requests complete as successful but short: they
    /// report <paramref name="fraction"/> of their length moved (at least 0, less than all) and
    /// move nothing, so a read's buffer keeps what it held before.
    /// </summary>
    public FaultInjectingBlockBackend ShortenWhen(Func<BlockIoRequest, bool> match, double fraction = 0.5, int times = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fraction);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(fraction, 1);
        return AddRule(new Rule(match, r => (long)(r.Length * fraction), times));
    }

    public FaultInjectingBlockBackend FailNext(BlockIoKind kind, int errno, int times = 1) =>
        FailWhen(r => r.Kind == kind, errno, times);

    /// <summary>The next <paramref name="times"/> matching requests are held until <see cref="ReleaseDelayed"/>.</summary>
    public FaultInjectingBlockBackend DelayWhen(Func<BlockIoRequest, bool> match, int times = int.MaxValue)
    {
        return AddRule(new Rule(match, null, times));
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
                if (rule.Result is { } result)
                {
                    _injected.Enqueue(new BlockCompletion(request.UserData, request.Kind, result(request)));
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

    private FaultInjectingBlockBackend AddRule(Rule rule)
    {
        lock (_lock)
        {
            _rules.Add(rule);
        }

        return this;
    }

    /// <summary>A matching request completes with <see cref="Result"/> (null: it is held back).</summary>
    private sealed class Rule(Func<BlockIoRequest, bool> match, Func<BlockIoRequest, long>? result, int times)
    {
        public Func<BlockIoRequest, bool> Match { get; } = match;

        public Func<BlockIoRequest, long>? Result { get; } = result;

        public int Remaining { get; set; } = times;
    }
}
