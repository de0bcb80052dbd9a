using PSVmm.Engine.Boot;
using PSVmm.Engine.Platform;
using Xunit;

namespace PSVmm.Tests.Boot;

public class E820MapTests
{
    [Fact]
    public void Small_guest_has_low_ram_bios_hole_ram_from_1_MiB_and_reserved_ecam()
    {
        var map = E820Map.Build(256UL << 20);
        Assert.Equal(
        [
            new E820Entry(0, 0x9FC00, E820Type.Ram),
            new E820Entry(0x9FC00, 0x100000 - 0x9FC00, E820Type.Reserved),
            new E820Entry(0x100000, (256UL << 20) - 0x100000, E820Type.Ram),
            new E820Entry(MemoryLayout.EcamAddress, MemoryLayout.EcamSize, E820Type.Reserved),
        ], map);
    }

    [Fact]
    public void Exactly_3_GiB_ends_at_the_hole_without_high_ram()
    {
        var map = E820Map.Build(3UL << 30);
        Assert.Contains(new E820Entry(0x100000, (3UL << 30) - 0x100000, E820Type.Ram), map);
        Assert.DoesNotContain(map, e => e.Address >= MemoryLayout.HighRamStart);
    }

    [Fact]
    public void Large_guest_splits_ram_around_the_mmio_hole()
    {
        ulong size = 6UL << 30;
        var map = E820Map.Build(size);
        Assert.Contains(new E820Entry(0x100000, MemoryLayout.MmioHoleStart - 0x100000, E820Type.Ram), map);
        Assert.Contains(new E820Entry(MemoryLayout.HighRamStart, size - MemoryLayout.MmioHoleStart, E820Type.Ram), map);
        ulong ram = map.Where(e => e.Type == E820Type.Ram).Aggregate(0UL, (sum, e) => sum + e.Size);
        // All RAM except the 0x9FC00-1 MiB BIOS area is usable.
        Assert.Equal(size - (0x100000 - 0x9FC00), ram);
    }

    [Theory]
    [InlineData(16UL << 20)]
    [InlineData(3UL << 30)]
    [InlineData(5UL << 30)]
    public void Entries_are_sorted_and_disjoint_and_ram_avoids_the_hole(ulong size)
    {
        var map = E820Map.Build(size);
        for (int i = 1; i < map.Count; i++)
            Assert.True(map[i].Address >= map[i - 1].End, $"entry {i} overlaps its predecessor");
        Assert.DoesNotContain(map, e => e.Type == E820Type.Ram && e.End > MemoryLayout.MmioHoleStart && e.Address < MemoryLayout.HighRamStart);
        // ACPI tables, MP table and EBDA are never RAM.
        Assert.DoesNotContain(map, e => e.Type == E820Type.Ram && e.Address < MemoryLayout.AcpiTablesEnd && e.End > MemoryLayout.EbdaStart);
    }

    [Fact]
    public void Less_than_1_MiB_is_rejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => E820Map.Build(0x80000));
}
