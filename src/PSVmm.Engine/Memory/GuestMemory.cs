using System.Runtime.CompilerServices;
using PSVmm.Engine.Native;
using Tmds.Linux;

namespace PSVmm.Engine.Memory;

/// <summary>
/// Guest RAM backed by one anonymous, lazily committed host mapping per region
/// (mmap MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE). The machine registers each mapping as a
/// KVM memory slot; devices reach it only through the checked accessors.
/// </summary>
public sealed unsafe class GuestMemory : IGuestMemory, IDisposable
{
    public const ulong PageSize = 4096;

    private readonly GuestRegion[] _regions;
    private readonly byte*[] _host;
    private int _disposed;

    /// <summary>Maps every region; regions must be page-aligned, non-empty, ascending and non-overlapping.</summary>
    public GuestMemory(IReadOnlyList<GuestRegion> regions)
    {
        Validate(regions);
        _regions = regions.ToArray();
        _host = new byte*[_regions.Length];
        try
        {
            for (int i = 0; i < _regions.Length; i++)
            {
                void* mapping = LibC.mmap(null, (size_t)_regions[i].Size, LibC.PROT_READ | LibC.PROT_WRITE,
                    LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_NORESERVE, -1, 0);
                if (mapping == LibC.MAP_FAILED)
                    throw new InsufficientMemoryException($"Mapping {_regions[i].Size} bytes of guest RAM failed: {Errno.Describe(LibC.errno)}.");
                _host[i] = (byte*)mapping;
            }
        }
        catch
        {
            Unmap();
            throw;
        }
    }

    public IReadOnlyList<GuestRegion> Regions => _regions;

    /// <summary>Total RAM bytes.</summary>
    public ulong Size => _regions.Aggregate(0UL, (sum, r) => sum + r.Size);

    /// <summary>The host address of region <paramref name="index"/> (for KVM_SET_USER_MEMORY_REGION only).</summary>
    internal ulong HostAddress(int index)
    {
        ThrowIfDisposed();
        return (ulong)_host[index];
    }

    public bool IsValidRange(ulong address, ulong length) => FindRegion(address, length) >= 0;

    public void Read(ulong address, Span<byte> destination) =>
        new ReadOnlySpan<byte>(Pointer(address, (ulong)destination.Length), destination.Length).CopyTo(destination);

    public void Write(ulong address, ReadOnlySpan<byte> source) =>
        source.CopyTo(new Span<byte>(Pointer(address, (ulong)source.Length), source.Length));

    public T Read<T>(ulong address) where T : unmanaged =>
        Unsafe.ReadUnaligned<T>(Pointer(address, (ulong)sizeof(T)));

    public void Write<T>(ulong address, T value) where T : unmanaged =>
        Unsafe.WriteUnaligned(Pointer(address, (ulong)sizeof(T)), value);

    public Span<byte> GetSpan(ulong address, int length)
    {
        if (length < 0)
            throw new GuestMemoryException(address, unchecked((ulong)length));
        return new Span<byte>(Pointer(address, (ulong)length), length);
    }

    /// <summary>Fills [address, address+length) with zeros (checked like Write).</summary>
    public void Clear(ulong address, ulong length)
    {
        byte* p = Pointer(address, length);
        for (ulong done = 0; done < length;)
        {
            int chunk = (int)Math.Min(length - done, int.MaxValue);
            new Span<byte>(p + done, chunk).Clear();
            done += (ulong)chunk;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
            Unmap();
    }

    private byte* Pointer(ulong address, ulong length)
    {
        ThrowIfDisposed();
        int i = FindRegion(address, length);
        if (i < 0)
            throw new GuestMemoryException(address, length);
        return _host[i] + (address - _regions[i].GuestAddress);
    }

    // Written so that address + length is never computed: it may overflow.
    private int FindRegion(ulong address, ulong length)
    {
        for (int i = 0; i < _regions.Length; i++)
        {
            var r = _regions[i];
            if (address < r.GuestAddress || address > r.End)
                continue;
            if (length <= r.End - address)
                return i;
        }
        return -1;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private void Unmap()
    {
        for (int i = 0; i < _host.Length; i++)
        {
            if (_host[i] == null)
                continue;
            LibC.munmap(_host[i], (size_t)_regions[i].Size);
            _host[i] = null;
        }
    }

    private static void Validate(IReadOnlyList<GuestRegion> regions)
    {
        if (regions.Count == 0)
            throw new ArgumentException("Guest memory needs at least one region.", nameof(regions));
        ulong previousEnd = 0;
        for (int i = 0; i < regions.Count; i++)
        {
            var r = regions[i];
            if (r.Size == 0 || r.GuestAddress % PageSize != 0 || r.Size % PageSize != 0 || r.GuestAddress + r.Size < r.GuestAddress)
                throw new ArgumentException($"Region {i} [0x{r.GuestAddress:x}, +0x{r.Size:x}) is empty, unaligned or wraps.", nameof(regions));
            if (i > 0 && r.GuestAddress < previousEnd)
                throw new ArgumentException($"Region {i} overlaps or precedes region {i - 1}.", nameof(regions));
            previousEnd = r.End;
        }
    }
}
