namespace PSVmm.Engine.Devices.Block.Backend;

/// <summary>Thread-safe live counters behind <see cref="BlockBackendStatistics"/>; also used by wrapping backends.</summary>
public sealed class BlockStatisticsCounters
{
    private const int Kinds = (int)BlockIoKind.WriteZeroes + 1;
    private readonly long[] _requests = new long[Kinds];
    private readonly long[] _bytes = new long[Kinds];
    private readonly long[] _errors = new long[Kinds];
    private long _inFlight;

    public void Submitted() => Interlocked.Increment(ref _inFlight);

    public void Completed(BlockIoKind kind, long result)
    {
        int k = (int)kind;
        Interlocked.Increment(ref _requests[k]);
        if (result < 0)
            Interlocked.Increment(ref _errors[k]);
        else
            Interlocked.Add(ref _bytes[k], result);

        Interlocked.Decrement(ref _inFlight);
    }

    public long InFlight => Interlocked.Read(ref _inFlight);

    public BlockBackendStatistics Snapshot() => new(
        Kind(BlockIoKind.Read), Kind(BlockIoKind.Write), Kind(BlockIoKind.Flush),
        Kind(BlockIoKind.Discard), Kind(BlockIoKind.WriteZeroes), InFlight);

    private BlockKindStatistics Kind(BlockIoKind kind)
    {
        int k = (int)kind;
        return new(Interlocked.Read(ref _requests[k]), Interlocked.Read(ref _bytes[k]), Interlocked.Read(ref _errors[k]));
    }
}
