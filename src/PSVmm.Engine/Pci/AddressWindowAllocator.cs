namespace PSVmm.Engine.Pci;

/// <summary>First-fit allocation of naturally aligned ranges inside one window. Not thread-safe (used while building the machine).</summary>
public sealed class AddressWindowAllocator
{
    private readonly List<(ulong Start, ulong Size)> _used = [];

    public AddressWindowAllocator(ulong start, ulong size)
    {
        if (size != 0 && start + size < start)
            throw new ArgumentException("The window wraps around the address space.");
        Start = start;
        Size = size;
    }

    public ulong Start { get; }
    public ulong Size { get; }

    /// <summary>The lowest free address aligned to <paramref name="alignment"/> (a power of two) with room for <paramref name="size"/> bytes, or null.</summary>
    public ulong? TryAllocate(ulong size, ulong alignment)
    {
        if (size == 0 || !ulong.IsPow2(alignment) || Size == 0)
            return null;
        ulong? candidate = AlignUp(Start, alignment);
        foreach (var (usedStart, usedSize) in _used)
        {
            if (candidate is not { } c || !Fits(c, size))
                return null;
            if (c + size <= usedStart)
                break;
            if (c < usedStart + usedSize)
                candidate = AlignUp(usedStart + usedSize, alignment);
        }
        if (candidate is not { } found || !Fits(found, size))
            return null;
        Insert(found, size);
        return found;
    }

    /// <summary>Marks a fixed range used; false when it leaves the window or overlaps an allocation.</summary>
    public bool TryReserve(ulong start, ulong size)
    {
        if (size == 0 || start < Start || !Fits(start, size))
            return false;
        if (_used.Any(u => start < u.Start + u.Size && u.Start < start + size))
            return false;
        Insert(start, size);
        return true;
    }

    private bool Fits(ulong address, ulong size) => address >= Start && size <= Size && address - Start <= Size - size;

    private void Insert(ulong start, ulong size)
    {
        int i = _used.FindIndex(u => u.Start > start);
        _used.Insert(i < 0 ? _used.Count : i, (start, size));
    }

    private static ulong? AlignUp(ulong value, ulong alignment)
    {
        ulong aligned = (value + alignment - 1) & ~(alignment - 1);
        return aligned < value ? null : aligned;
    }
}
