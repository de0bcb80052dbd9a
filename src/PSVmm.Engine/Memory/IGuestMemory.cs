namespace PSVmm.Engine.Memory;

/// <summary>
/// Guest physical memory as the device model sees it. Every access is range-checked against
/// the RAM regions; an access that is not wholly inside one region throws
/// <see cref="GuestMemoryException"/> and touches nothing. No raw host pointer escapes.
/// </summary>
public interface IGuestMemory
{
    /// <summary>RAM regions in ascending guest-physical order (the MMIO hole is not RAM).</summary>
    IReadOnlyList<GuestRegion> Regions { get; }

    /// <summary>True when [address, address + length) lies inside one RAM region (length 0 is valid anywhere in RAM).</summary>
    bool IsValidRange(ulong address, ulong length);

    void Read(ulong address, Span<byte> destination);

    void Write(ulong address, ReadOnlySpan<byte> source);

    T Read<T>(ulong address) where T : unmanaged;

    void Write<T>(ulong address, T value) where T : unmanaged;

    /// <summary>
    /// A span over guest RAM for zero-copy I/O, valid while the memory lives.
    /// Checked like Read/Write.
    /// </summary>
    Span<byte> GetSpan(ulong address, int length);
}

/// <summary>One contiguous RAM range in guest-physical space.</summary>
public readonly record struct GuestRegion(ulong GuestAddress, ulong Size)
{
    public ulong End => GuestAddress + Size;
}
