namespace PSVmm.Engine.Bus;

/// <summary>
/// A range of port I/O or MMIO space served by a device. Offsets are relative to the start of
/// the range; data.Length is the access width (1, 2, 4 or 8, or larger for MMIO string copies).
/// Implementations must not throw on any guest access: unknown offsets read as all-ones (or
/// zero where the spec says so) and writes to them are ignored.
/// </summary>
public interface IDeviceRegion
{
    void Read(ulong offset, Span<byte> data);

    void Write(ulong offset, ReadOnlySpan<byte> data);
}
