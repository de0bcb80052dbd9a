using System.Runtime.InteropServices;
using PSVmm.Engine.Devices.Block.Backend;
using Xunit;

namespace PSVmm.Tests.Devices.Block.Backend;

/// <summary>
/// Unmanaged memory standing in for mmap'd guest RAM: 4096-aligned, with an optional skew that
/// makes every address misaligned on purpose.
/// </summary>
internal sealed unsafe class NativeBuffer : IDisposable
{
    private readonly byte* _base;

    public NativeBuffer(int length, int skew = 0)
    {
        _base = (byte*)NativeMemory.AlignedAlloc((nuint)(length + skew), 4096);
        NativeMemory.Clear(_base, (nuint)(length + skew));
        Pointer = _base + skew;
        Length = length;
    }

    public byte* Pointer { get; }

    public int Length { get; }

    public Span<byte> Span => new(Pointer, Length);

    public BlockSegment Segment(int offset, int length)
    {
        Assert.InRange(offset + length, 0, Length);
        return BlockSegment.FromPointer(Pointer + offset, length);
    }

    public BlockSegment Whole() => Segment(0, Length);

    public void Dispose() => NativeMemory.AlignedFree(_base);
}
