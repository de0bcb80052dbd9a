using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace PSVmm.Bench.DeviceModel;

/// <summary>
/// Samples managed allocations by type through the runtime's GCAllocationTick events (one event
/// about every 100 KB allocated, naming the type that crossed the mark): which types the request
/// path allocates, in proportion.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytesByType = new();

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!e.EventName!.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null)
            return;
        int type = e.PayloadNames!.IndexOf("TypeName");
        int amount = e.PayloadNames.IndexOf("AllocationAmount64");
        if (type < 0 || amount < 0)
            return;
        _bytesByType.AddOrUpdate((string)e.Payload[type]!, Convert.ToInt64(e.Payload[amount]), (_, sum) => sum + Convert.ToInt64(e.Payload[amount]));
    }

    public IEnumerable<(string Type, long Bytes)> Top(int count) =>
        _bytesByType.OrderByDescending(p => p.Value).Take(count).Select(p => (p.Key, p.Value));
}
