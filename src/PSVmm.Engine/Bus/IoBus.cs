namespace PSVmm.Engine.Bus;

/// <summary>
/// An address space (port I/O or MMIO) mapped to device regions. vCPU exits dispatch here;
/// an access that hits no region reads as all-ones and its writes are dropped, as on real
/// hardware. Ranges may not overlap. Safe to call from several vCPU threads while regions are
/// added or removed (BAR moves): lookups work on an immutable snapshot.
/// </summary>
public sealed class IoBus
{
    private readonly object _writeLock = new();
    private BusRange[] _ranges = [];

    public string Name { get; }

    public IoBus(string name) => Name = name;

    public IReadOnlyList<BusRange> Ranges => _ranges;

    /// <summary>Maps [start, start+length) to <paramref name="region"/>; false when it overlaps an existing range or is empty or wraps.</summary>
    public bool TryRegister(ulong start, ulong length, IDeviceRegion region, string name)
    {
        if (length == 0 || start + length < start)
            return false;
        lock (_writeLock)
        {
            foreach (var r in _ranges)
            {
                if (start < r.End && r.Start < start + length)
                    return false;
            }

            var next = new BusRange[_ranges.Length + 1];
            int i = 0, j = 0;
            while (i < _ranges.Length && _ranges[i].Start < start)
                next[j++] = _ranges[i++];
            next[j++] = new BusRange(start, length, region, name);
            while (i < _ranges.Length)
                next[j++] = _ranges[i++];
            Volatile.Write(ref _ranges, next);
            return true;
        }
    }

    public void Register(ulong start, ulong length, IDeviceRegion region, string name)
    {
        if (!TryRegister(start, length, region, name))
            throw new InvalidOperationException($"{Name}: [0x{start:x}, +0x{length:x}) for {name} overlaps an existing range.");
    }

    /// <summary>Removes the range that starts at <paramref name="start"/> and is served by <paramref name="region"/>.</summary>
    public bool Unregister(ulong start, IDeviceRegion region)
    {
        lock (_writeLock)
        {
            int index = Array.FindIndex(_ranges, r => r.Start == start && ReferenceEquals(r.Region, region));
            if (index < 0)
                return false;
            var next = new BusRange[_ranges.Length - 1];
            Array.Copy(_ranges, 0, next, 0, index);
            Array.Copy(_ranges, index + 1, next, index, _ranges.Length - index - 1);
            Volatile.Write(ref _ranges, next);
            return true;
        }
    }

    /// <summary>The range holding all of [address, address+length), or null.</summary>
    public BusRange? Find(ulong address, ulong length)
    {
        var ranges = Volatile.Read(ref _ranges);
        int lo = 0, hi = ranges.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            var r = ranges[mid];
            if (address < r.Start)
                hi = mid - 1;
            else if (address >= r.End)
                lo = mid + 1;
            else
                return address + length <= r.End ? r : null;
        }
        return null;
    }

    /// <summary>Dispatches a read; returns false (and fills all-ones) when nothing is mapped there.</summary>
    public bool Read(ulong address, Span<byte> data)
    {
        var range = Find(address, (ulong)data.Length);
        if (range is null)
        {
            data.Fill(0xFF);
            return false;
        }
        range.Region.Read(address - range.Start, data);
        return true;
    }

    /// <summary>Dispatches a write; returns false (and drops it) when nothing is mapped there.</summary>
    public bool Write(ulong address, ReadOnlySpan<byte> data)
    {
        var range = Find(address, (ulong)data.Length);
        if (range is null)
            return false;
        range.Region.Write(address - range.Start, data);
        return true;
    }
}

public sealed record BusRange(ulong Start, ulong Length, IDeviceRegion Region, string Name)
{
    public ulong End => Start + Length;
}
