using PSVmm.Engine.Memory;
using PSVmm.Engine.Platform;
using Xunit;

namespace PSVmm.Tests.Memory;

public class GuestMemoryTests
{
    private const ulong MiB = 1024 * 1024;

    private static GuestMemory TwoRegions() =>
        new([new GuestRegion(0, 2 * MiB), new GuestRegion(4 * MiB, MiB)]);

    [Fact]
    public void WriteThenReadRoundTripsInEachRegion()
    {
        using var m = TwoRegions();
        m.Write(0x1000, new byte[] { 1, 2, 3 });
        m.Write<uint>(4 * MiB + 8, 0xDEADBEEF);
        var back = new byte[3];
        m.Read(0x1000, back);
        Assert.Equal(new byte[] { 1, 2, 3 }, back);
        Assert.Equal(0xDEADBEEFu, m.Read<uint>(4 * MiB + 8));
        Assert.Equal(0xEFu, m.GetSpan(4 * MiB + 8, 1)[0]);
    }

    [Fact]
    public void FreshMemoryReadsZero()
    {
        using var m = TwoRegions();
        Assert.Equal(0UL, m.Read<ulong>(2 * MiB - 8));
    }

    [Fact]
    public void AccessEndingExactlyAtRegionEndIsValid()
    {
        using var m = TwoRegions();
        m.Write<ulong>(2 * MiB - 8, 7);
        Assert.Equal(7UL, m.Read<ulong>(2 * MiB - 8));
        Assert.True(m.IsValidRange(5 * MiB - 1, 1));
        Assert.True(m.IsValidRange(2 * MiB, 0));
    }

    [Theory]
    [InlineData(2 * MiB - 4, 8)]          // crosses the end of region 0
    [InlineData(2 * MiB, 4)]              // in the hole
    [InlineData(5 * MiB - 4, 8)]          // crosses the end of RAM
    [InlineData(6 * MiB, 1)]              // above RAM
    [InlineData(3 * MiB, 0)]              // zero length in the hole
    [InlineData(ulong.MaxValue - 3, 8)]   // address + length overflows
    [InlineData(0x10, ulong.MaxValue)]    // length overflows
    public void OutOfRangeAccessIsRejected(ulong address, ulong length)
    {
        using var m = TwoRegions();
        Assert.False(m.IsValidRange(address, length));
    }

    [Fact]
    public void CrossingWriteThrowsAndTouchesNothing()
    {
        using var m = TwoRegions();
        var ex = Assert.Throws<GuestMemoryException>(() => m.Write(2 * MiB - 2, new byte[] { 9, 9, 9, 9 }));
        Assert.Equal(2 * MiB - 2, ex.Address);
        Assert.Equal(4UL, ex.Length);
        Assert.Equal(0, m.Read<ushort>(2 * MiB - 2));
    }

    [Fact]
    public void ReadsAndSpansOutsideRamThrow()
    {
        using var m = TwoRegions();
        Assert.Throws<GuestMemoryException>(() => m.Read<uint>(3 * MiB));
        Assert.Throws<GuestMemoryException>(() => m.Read(ulong.MaxValue, new byte[2]));
        Assert.Throws<GuestMemoryException>(() => m.GetSpan(5 * MiB - 1, 2));
        Assert.Throws<GuestMemoryException>(() => m.GetSpan(0, -1));
        Assert.Throws<GuestMemoryException>(() => m.Write<ulong>(5 * MiB - 4, 1));
    }

    [Fact]
    public void RegionsAreValidated()
    {
        Assert.Throws<ArgumentException>(() => new GuestMemory([]));
        Assert.Throws<ArgumentException>(() => new GuestMemory([new GuestRegion(0, 100)]));
        Assert.Throws<ArgumentException>(() => new GuestMemory([new GuestRegion(0x2000, 0x1000), new GuestRegion(0x1000, 0x2000)]));
    }

    [Fact]
    public void DisposedMemoryRefusesAccess()
    {
        var m = TwoRegions();
        m.Dispose();
        m.Dispose();
        Assert.Throws<ObjectDisposedException>(() => m.Read<byte>(0));
    }

    [Fact]
    public void LayoutAboveTheHoleMapsHighRam()
    {
        var regions = MemoryLayout.RamRegions(4UL * 1024 * MiB);
        using var m = new GuestMemory(regions);
        Assert.True(m.IsValidRange(MemoryLayout.HighRamStart, MiB));
        Assert.False(m.IsValidRange(MemoryLayout.MmioHoleStart, 1));
        m.Write<uint>(MemoryLayout.HighRamStart + GiBMinus(4), 5);
        Assert.Equal(5u, m.Read<uint>(MemoryLayout.HighRamStart + GiBMinus(4)));
    }

    private static ulong GiBMinus(ulong n) => 1024 * MiB - n;
}
