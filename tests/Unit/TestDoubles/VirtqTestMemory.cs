using System.Runtime.InteropServices;
using PSVmm.Engine.Memory;

namespace PSVmm.Tests.TestDoubles;

/// <summary>
/// Guest RAM backed by one byte array per region, checked exactly as <see cref="IGuestMemory"/>
/// specifies: an access must lie wholly inside one region, otherwise it throws
/// <see cref="GuestMemoryException"/> and touches nothing. Regions may leave holes.
/// Read and Write copy under a lock so a driver thread and a device thread can share it
/// without torn values (real guest RAM relies on aligned accesses instead).
/// </summary>
public sealed class VirtqTestMemory : IGuestMemory
{
    private readonly byte[][] _backing;
    private readonly object _gate = new();

    public VirtqTestMemory(params GuestRegion[] regions)
    {
        if (regions.Length == 0)
        {
            throw new ArgumentException("at least one region", nameof(regions));
        }

        for (int i = 0; i < regions.Length; i++)
        {
            if (regions[i].Size == 0 || regions[i].Size > int.MaxValue || regions[i].End < regions[i].GuestAddress)
            {
                throw new ArgumentException($"region {i} has an unusable size", nameof(regions));
            }

            if (i > 0 && regions[i].GuestAddress < regions[i - 1].End)
            {
                throw new ArgumentException("regions must be ascending and disjoint", nameof(regions));
            }
        }

        Regions = regions;
        // Pinned: the block device hands pointers from GetSpan to asynchronous backends (guest RAM never moves).
        _backing = regions.Select(r => GC.AllocateArray<byte>((int)r.Size, pinned: true)).ToArray();
    }

    /// <summary>One region of <paramref name="size"/> bytes at guest address 0.</summary>
    public static VirtqTestMemory Flat(ulong size) => new(new GuestRegion(0, size));

    public IReadOnlyList<GuestRegion> Regions { get; }

    /// <summary>Fault injection: reads overlapping this range throw as if it were not RAM.</summary>
    public GuestRegion? FailReadsIn { get; set; }

    /// <summary>Fault injection: writes overlapping this range throw as if it were not RAM.</summary>
    public GuestRegion? FailWritesIn { get; set; }

    public bool IsValidRange(ulong address, ulong length) => TryLocate(address, length, out _, out _);

    public void Read(ulong address, Span<byte> destination)
    {
        lock (_gate)
        {
            Locate(address, destination.Length, FailReadsIn).CopyTo(destination);
        }
    }

    public void Write(ulong address, ReadOnlySpan<byte> source)
    {
        lock (_gate)
        {
            source.CopyTo(Locate(address, source.Length, FailWritesIn));
        }
    }

    public T Read<T>(ulong address) where T : unmanaged
    {
        lock (_gate)
        {
            return MemoryMarshal.Read<T>(Locate(address, Marshal.SizeOf<T>(), FailReadsIn));
        }
    }

    public void Write<T>(ulong address, T value) where T : unmanaged
    {
        lock (_gate)
        {
            MemoryMarshal.Write(Locate(address, Marshal.SizeOf<T>(), FailWritesIn), in value);
        }
    }

    public Span<byte> GetSpan(ulong address, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return Locate(address, length, null);
    }

    private Span<byte> Locate(ulong address, int length, GuestRegion? failing)
    {
        bool injected = failing is { } f && address < f.End && f.GuestAddress < address + (ulong)length;
        if (injected || !TryLocate(address, (ulong)length, out int region, out ulong offset))
        {
            throw new GuestMemoryException(address, (ulong)length);
        }

        return _backing[region].AsSpan((int)offset, length);
    }

    private bool TryLocate(ulong address, ulong length, out int region, out ulong offset)
    {
        for (int i = 0; i < Regions.Count; i++)
        {
            var r = Regions[i];
            if (address < r.GuestAddress || address >= r.End)
            {
                continue;
            }

            offset = address - r.GuestAddress;

            // Written without address + length, which could wrap past 2^64.
            if (length <= r.Size - offset)
            {
                region = i;
                return true;
            }

            break;
        }

        region = -1;
        offset = 0;
        return false;
    }
}
