using System.Runtime.InteropServices;
using PSVmm.Engine.Memory;

namespace PSVmm.Tests.Virtio.Transport;

/// <summary>Guest RAM for transport tests: one array-backed region at guest address 0, checked like the real memory.</summary>
internal sealed class TransportTestMemory : IGuestMemory
{
    private readonly byte[] _bytes;

    public TransportTestMemory(int size = 0x10_0000)
    {
        _bytes = new byte[size];
        Regions = [new GuestRegion(0, (ulong)size)];
    }

    public IReadOnlyList<GuestRegion> Regions { get; }

    public bool IsValidRange(ulong address, ulong length) =>
        address <= (ulong)_bytes.Length && length <= (ulong)_bytes.Length - address;

    public void Read(ulong address, Span<byte> destination) => Check(address, destination.Length).CopyTo(destination);

    public void Write(ulong address, ReadOnlySpan<byte> source) => source.CopyTo(Check(address, source.Length));

    public T Read<T>(ulong address) where T : unmanaged => MemoryMarshal.Read<T>(Check(address, Marshal.SizeOf<T>()));

    public void Write<T>(ulong address, T value) where T : unmanaged => MemoryMarshal.Write(Check(address, Marshal.SizeOf<T>()), in value);

    public Span<byte> GetSpan(ulong address, int length) => Check(address, length);

    private Span<byte> Check(ulong address, int length)
    {
        if (length < 0 || !IsValidRange(address, (ulong)length))
            throw new GuestMemoryException(address, (ulong)Math.Max(length, 0));
        return _bytes.AsSpan((int)address, length);
    }
}
