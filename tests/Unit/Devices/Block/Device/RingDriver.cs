using PSVmm.Tests.Virtio.Queues;

namespace PSVmm.Tests.Devices.Block.Device;

/// <summary>The driver side of one queue, whatever its ring format.</summary>
internal interface IRingDriver
{
    ushort AddChain(params DriverBuffer[] buffers);

    ushort AddIndirect(ulong table, params DriverBuffer[] buffers);

    bool TryReadUsed(out UsedEntry entry);

    /// <summary>Asks the device not to interrupt (split: VIRTQ_AVAIL_F_NO_INTERRUPT; packed: RING_EVENT_FLAGS_DISABLE).</summary>
    void SuppressInterrupts();
}

internal sealed class SplitDriverAdapter(SplitRingDriver driver) : IRingDriver
{
    public SplitRingDriver Driver { get; } = driver;

    public ushort AddChain(params DriverBuffer[] buffers) => Driver.AddChain(buffers);

    public ushort AddIndirect(ulong table, params DriverBuffer[] buffers) => Driver.AddIndirect(table, buffers);

    public bool TryReadUsed(out UsedEntry entry) => Driver.TryReadUsed(out entry);

    public void SuppressInterrupts() => Driver.SetAvailFlags(1);
}

internal sealed class PackedDriverAdapter(PackedRingDriver driver) : IRingDriver
{
    public PackedRingDriver Driver { get; } = driver;

    public ushort AddChain(params DriverBuffer[] buffers) => Driver.AddChain(buffers);

    public ushort AddIndirect(ulong table, params DriverBuffer[] buffers) => Driver.AddIndirect(table, buffers);

    public bool TryReadUsed(out UsedEntry entry) => Driver.TryReadUsed(out entry, out _);

    public void SuppressInterrupts() => Driver.SetDriverEvent(1);
}
