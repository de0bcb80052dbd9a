using System.Runtime.InteropServices;
using PSVmm.Engine.Memory;

namespace PSVmm.Tests.TestDoubles;

/// <summary>
/// <see cref="IGuestMemory"/> over plain byte arrays, one per region, checked the way the
/// interface requires: an access must lie wholly inside one region or it throws
/// <see cref="GuestMemoryException"/> and touches nothing.
/// </summary>
public sealed class ArrayGuestMemory : IGuestMemory
{
    private readonly byte[][] _buffers;

    public ArrayGuestMemory(params GuestRegion[] regions)
    {
        for (int i = 1; i < regions.Length; i++)
        {
            if (regions[i].GuestAddress < regions[i - 1].End)
                throw new ArgumentException("Regions must be ascending and must not overlap.", nameof(regions));
        }
        foreach (var r in regions)
        {
            if (r.Size > int.MaxValue)
                throw new ArgumentException("A test region is limited to 2 GiB.", nameof(regions));
        }
        Regions = regions;
        _buffers = regions.Select(r => new byte[r.Size]).ToArray();
    }

    /// <summary>A single region [0, size).</summary>
    public ArrayGuestMemory(ulong size) : this(new GuestRegion(0, size)) { }

    public IReadOnlyList<GuestRegion> Regions { get; }

    public bool IsValidRange(ulong address, ulong length) => Find(address, length) >= 0;

    public void Read(ulong address, Span<byte> destination) => Slice(address, destination.Length).CopyTo(destination);

    public void Write(ulong address, ReadOnlySpan<byte> source) => source.CopyTo(Slice(address, source.Length));

    public T Read<T>(ulong address) where T : unmanaged =>
        MemoryMarshal.Read<T>(Slice(address, Marshal.SizeOf<T>()));

    public void Write<T>(ulong address, T value) where T : unmanaged =>
        MemoryMarshal.Write(Slice(address, Marshal.SizeOf<T>()), in value);

    public Span<byte> GetSpan(ulong address, int length)
    {
        if (length < 0)
            throw new GuestMemoryException(address, 0);
        return Slice(address, length);
    }

    /// <summary>Test helper: a copy of the bytes at <paramref name="address"/>.</summary>
    public byte[] ReadBytes(ulong address, int length) => Slice(address, length).ToArray();

    private Span<byte> Slice(ulong address, int length)
    {
        int index = Find(address, (ulong)length);
        if (index < 0)
            throw new GuestMemoryException(address, (ulong)length);
        return _buffers[index].AsSpan((int)(address - Regions[index].GuestAddress), length);
    }

    private int Find(ulong address, ulong length)
    {
        for (int i = 0; i < Regions.Count; i++)
        {
            var r = Regions[i];
            if (address >= r.GuestAddress && address <= r.End && length <= r.End - address)
                return i;
        }
        return -1;
    }
}
