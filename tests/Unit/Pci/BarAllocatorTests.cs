using PSVmm.Engine.Pci;
using Xunit;

namespace PSVmm.Tests.Pci;

public sealed class BarAllocatorTests
{
    private static PciBarDefinition Bar(PciBarKind kind, ulong size, int index = 0) => new(index, kind, size, false);

    [Fact]
    public void Allocations_are_naturally_aligned_and_disjoint()
    {
        var allocator = new BarAllocator(PciWindows.Default());
        var sizes = new ulong[] { 0x1000, 0x10_0000, 0x4000, 0x1000, 0x80_0000, 0x2000 };
        var ranges = sizes.Select(s => (Start: allocator.Allocate(Bar(PciBarKind.Memory32, s)), Size: s)).ToList();

        foreach (var (start, size) in ranges)
        {
            Assert.Equal(0ul, start % size);
            Assert.True(PciWindows.Default().Contains(PciBarKind.Memory32, start, size));
        }
        for (int i = 0; i < ranges.Count; i++)
        {
            for (int j = i + 1; j < ranges.Count; j++)
                Assert.False(ranges[i].Start < ranges[j].Start + ranges[j].Size && ranges[j].Start < ranges[i].Start + ranges[i].Size);
        }
    }

    [Fact]
    public void First_fit_reuses_alignment_gaps()
    {
        var allocator = new BarAllocator(PciWindows.Default());
        Assert.Equal(0xC000_0000ul, allocator.Allocate(Bar(PciBarKind.Memory32, 0x1000)));
        Assert.Equal(0xC001_0000ul, allocator.Allocate(Bar(PciBarKind.Memory32, 0x1_0000)));
        Assert.Equal(0xC000_1000ul, allocator.Allocate(Bar(PciBarKind.Memory32, 0x1000)));
    }

    [Fact]
    public void Io_bars_go_to_the_io_window()
    {
        var allocator = new BarAllocator(PciWindows.Default());
        Assert.Equal(0xC000ul, allocator.Allocate(Bar(PciBarKind.Io, 0x20)));
        Assert.Equal(0xC040ul, allocator.Allocate(Bar(PciBarKind.Io, 0x40)));
        Assert.Equal(0xC020ul, allocator.Allocate(Bar(PciBarKind.Io, 0x4)));
    }

    [Fact]
    public void Bars_64bit_prefer_the_high_window_then_fall_back()
    {
        var windows = PciWindows.Default(mmio64Start: 0x80_0000_0000, mmio64Size: 0x2_0000);
        var allocator = new BarAllocator(windows);
        Assert.Equal(0x80_0000_0000ul, allocator.Allocate(Bar(PciBarKind.Memory64, 0x2_0000)));
        Assert.Equal(0xC000_0000ul, allocator.Allocate(Bar(PciBarKind.Memory64, 0x1000)));
        Assert.Equal(0xC000_0000ul, new BarAllocator(PciWindows.Default()).Allocate(Bar(PciBarKind.Memory64, 0x1000)));
    }

    [Fact]
    public void A_full_window_reports_an_error()
    {
        var windows = new PciWindows(0xC000_0000, 0x2000, 0, 0, 0xC000, 0x10);
        var allocator = new BarAllocator(windows);
        allocator.Allocate(Bar(PciBarKind.Memory32, 0x2000));
        Assert.Null(allocator.TryAllocate(Bar(PciBarKind.Memory32, 0x1000)));
        Assert.Throws<InvalidOperationException>(() => allocator.Allocate(Bar(PciBarKind.Memory32, 0x1000)));
        Assert.Null(allocator.TryAllocate(Bar(PciBarKind.Io, 0x20)));
    }

    [Fact]
    public void Reserved_ranges_are_skipped()
    {
        var window = new AddressWindowAllocator(0x1000, 0x10000);
        Assert.True(window.TryReserve(0x1000, 0x1000));
        Assert.False(window.TryReserve(0x1800, 0x1000));
        Assert.False(window.TryReserve(0x10800, 0x1000));
        Assert.Equal(0x2000ul, window.TryAllocate(0x1000, 0x1000));
    }
}
