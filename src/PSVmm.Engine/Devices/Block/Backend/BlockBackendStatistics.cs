namespace PSVmm.Engine.Devices.Block.Backend;

/// <summary>Counters of one request kind: requests completed, bytes moved by successful ones, failures.</summary>
public readonly record struct BlockKindStatistics(long Requests, long Bytes, long Errors);

/// <summary>A point-in-time copy of a backend's counters.</summary>
public sealed record BlockBackendStatistics(
    BlockKindStatistics Read,
    BlockKindStatistics Write,
    BlockKindStatistics Flush,
    BlockKindStatistics Discard,
    BlockKindStatistics WriteZeroes,
    long InFlight)
{
    public BlockKindStatistics this[BlockIoKind kind] => kind switch
    {
        BlockIoKind.Read => Read,
        BlockIoKind.Write => Write,
        BlockIoKind.Flush => Flush,
        BlockIoKind.Discard => Discard,
        _ => WriteZeroes,
    };
}
