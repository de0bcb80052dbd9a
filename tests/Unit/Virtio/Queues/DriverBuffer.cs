namespace PSVmm.Tests.Virtio.Queues;

/// <summary>One buffer a test driver puts into a chain.</summary>
internal readonly record struct DriverBuffer(ulong Address, uint Length, bool Writable)
{
    public static DriverBuffer Out(ulong address, uint length) => new(address, length, false);

    public static DriverBuffer In(ulong address, uint length) => new(address, length, true);
}

/// <summary>A used entry as the driver reads it back.</summary>
internal readonly record struct UsedEntry(uint Id, uint Length);
