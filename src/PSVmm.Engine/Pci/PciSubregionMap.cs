using PSVmm.Engine.Bus;

namespace PSVmm.Engine.Pci;

/// <summary>
/// A BAR's region built from sub-regions at fixed offsets (e.g. virtio structures, the MSI-X
/// table and PBA). An access must fall wholly inside one sub-region; anything else reads 0
/// and its writes are dropped. Sub-regions are added while building the device.
/// </summary>
public sealed class PciSubregionMap : IDeviceRegion
{
    private readonly List<(ulong Offset, ulong Length, IDeviceRegion Region)> _parts = [];

    public PciSubregionMap(ulong size) => Size = size;

    public ulong Size { get; }

    public PciSubregionMap Add(ulong offset, ulong length, IDeviceRegion region)
    {
        ArgumentNullException.ThrowIfNull(region);
        if (length == 0 || offset + length < offset || offset + length > Size)
            throw new ArgumentException($"Sub-region [0x{offset:x}, +0x{length:x}) does not fit a 0x{Size:x}-byte BAR.");
        if (_parts.Any(p => offset < p.Offset + p.Length && p.Offset < offset + length))
            throw new ArgumentException($"Sub-region [0x{offset:x}, +0x{length:x}) overlaps another.");
        _parts.Add((offset, length, region));
        return this;
    }

    public void Read(ulong offset, Span<byte> data)
    {
        foreach (var (start, length, region) in _parts)
        {
            if (Inside(start, length, offset, data.Length))
            {
                region.Read(offset - start, data);
                return;
            }
        }
        data.Clear();
    }

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        foreach (var (start, length, region) in _parts)
        {
            if (Inside(start, length, offset, data.Length))
            {
                region.Write(offset - start, data);
                return;
            }
        }
    }

    private static bool Inside(ulong start, ulong length, ulong offset, int size) =>
        offset >= start && (ulong)size <= length && offset - start <= length - (ulong)size;
}
