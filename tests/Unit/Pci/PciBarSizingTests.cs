using PSVmm.Engine.Pci;
using Xunit;
using static PSVmm.Engine.Pci.PciConfigRegisters;

namespace PSVmm.Tests.Pci;

/// <summary>The BAR sizing protocol as Linux's __pci_read_base performs it (PCI Local Bus 3.0 §6.2.5.1).</summary>
public sealed class PciBarSizingTests
{
    private static PciConfigSpace NewSpace() => new(new PciIdentity(0x1234, 0x5678, 0xFF_00_00));

    [Fact]
    public void Memory32_bar_sizing_returns_size_mask_and_type_bits()
    {
        var c = NewSpace();
        c.AddBar(0, PciBarKind.Memory32, 0x4000);
        c.SetBarAddress(0, 0xC001_0000);
        uint original = c.Read32(Bar0);
        Assert.Equal(0xC001_0000u, original);

        c.Write32(Bar0, 0xFFFF_FFFF);
        Assert.Equal(0xFFFF_C000u, c.Read32(Bar0));
        uint mask = c.Read32(Bar0) & ~0xFu;
        Assert.Equal(0x4000u, ~mask + 1);

        c.Write32(Bar0, original);
        Assert.Equal(0xC001_0000ul, c.GetBarAddress(0));
    }

    [Fact]
    public void Prefetchable_memory32_bar_keeps_bit_3()
    {
        var c = NewSpace();
        c.AddBar(1, PciBarKind.Memory32, 0x1000, prefetchable: true);
        c.Write32(BarOffset(1), 0xFFFF_FFFF);
        Assert.Equal(0xFFFF_F008u, c.Read32(BarOffset(1)));
        c.Write32(BarOffset(1), 0);
        Assert.Equal(0x8u, c.Read32(BarOffset(1)));
    }

    [Fact]
    public void Memory64_bar_sizes_through_both_registers()
    {
        var c = NewSpace();
        c.AddBar(2, PciBarKind.Memory64, 0x1_0000_0000, prefetchable: true);   // 4 GiB
        Assert.Equal(0xCu, c.Read32(BarOffset(2)));

        c.Write32(BarOffset(2), 0xFFFF_FFFF);
        c.Write32(BarOffset(3), 0xFFFF_FFFF);
        Assert.Equal(0x0000_000Cu, c.Read32(BarOffset(2)));
        Assert.Equal(0xFFFF_FFFFu, c.Read32(BarOffset(3)));
        ulong mask = ((ulong)c.Read32(BarOffset(3)) << 32 | c.Read32(BarOffset(2))) & ~0xFUL;
        Assert.Equal(0x1_0000_0000ul, ~mask + 1);

        c.Write32(BarOffset(2), 0);
        c.Write32(BarOffset(3), 0x10);
        Assert.Equal(0x10_0000_0000ul, c.GetBarAddress(2));
    }

    [Fact]
    public void Small_memory64_bar_upper_register_is_all_writable()
    {
        var c = NewSpace();
        c.AddBar(0, PciBarKind.Memory64, 0x4000);
        c.Write32(BarOffset(0), 0xFFFF_FFFF);
        c.Write32(BarOffset(1), 0xFFFF_FFFF);
        Assert.Equal(0xFFFF_C004u, c.Read32(BarOffset(0)));
        Assert.Equal(0xFFFF_FFFFu, c.Read32(BarOffset(1)));
    }

    [Fact]
    public void Io_bar_sizing_returns_mask_with_bit_0_set()
    {
        var c = NewSpace();
        c.AddBar(4, PciBarKind.Io, 0x40);
        c.Write32(BarOffset(4), 0xFFFF_FFFF);
        Assert.Equal(0xFFFF_FFC1u, c.Read32(BarOffset(4)));
        c.Write32(BarOffset(4), 0xC043);   // misaligned low bits are dropped
        Assert.Equal(0xC041u, c.Read32(BarOffset(4)));
        Assert.Equal(0xC040ul, c.GetBarAddress(4));
    }

    [Fact]
    public void Unimplemented_bars_read_zero_after_all_ones()
    {
        var c = NewSpace();
        c.AddBar(0, PciBarKind.Memory32, 0x1000);
        for (int i = 1; i < BarCount; i++)
        {
            c.Write32(BarOffset(i), 0xFFFF_FFFF);
            Assert.Equal(0u, c.Read32(BarOffset(i)));
        }
    }

    [Fact]
    public void Byte_writes_to_a_bar_honour_the_mask()
    {
        var c = NewSpace();
        c.AddBar(0, PciBarKind.Memory32, 0x1_0000);
        c.Write8(Bar0 + 1, 0xFF);   // address bits 15:8 are below the size: read-only
        c.Write8(Bar0 + 3, 0xC0);
        Assert.Equal(0xC000_0000u, c.Read32(Bar0));
    }

    [Theory]
    [InlineData(PciBarKind.Memory32, 0x800ul)]      // below 4 KiB
    [InlineData(PciBarKind.Memory32, 0x3000ul)]     // not a power of two
    [InlineData(PciBarKind.Io, 0x2ul)]
    [InlineData(PciBarKind.Io, 0x200ul)]
    public void Invalid_bar_sizes_are_rejected(PciBarKind kind, ulong size)
    {
        var c = NewSpace();
        Assert.Throws<ArgumentException>(() => c.AddBar(0, kind, size));
    }

    [Fact]
    public void A_64bit_bar_takes_two_registers()
    {
        var c = NewSpace();
        c.AddBar(4, PciBarKind.Memory64, 0x1000);
        Assert.Throws<InvalidOperationException>(() => c.AddBar(5, PciBarKind.Memory32, 0x1000));
        Assert.Throws<ArgumentOutOfRangeException>(() => c.AddBar(5, PciBarKind.Memory64, 0x1000));
    }
}
