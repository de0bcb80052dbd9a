using PSVmm.Engine.Boot;
using PSVmm.Engine.Boot.Acpi;
using PSVmm.Engine.Platform;
using PSVmm.Tests.TestDoubles;
using Xunit;

namespace PSVmm.Tests.Boot;

public class BootCpuStateTests
{
    [Fact]
    public void Gdt_holds_flat_32_and_64_bit_code_and_data_at_the_linux_selectors()
    {
        var memory = new ArrayGuestMemory(1 << 20);
        BootGdt.Write(memory);
        Assert.Equal(31, BootGdt.Limit);
        Assert.Equal(0UL, memory.Read<ulong>(MemoryLayout.GdtAddress));
        Assert.Equal(0x00CF9B000000FFFFUL, memory.Read<ulong>(MemoryLayout.GdtAddress + BootGdt.Code32Selector));
        Assert.Equal(0x00AF9B000000FFFFUL, memory.Read<ulong>(MemoryLayout.GdtAddress + 0x10));
        Assert.Equal(0x00CF93000000FFFFUL, memory.Read<ulong>(MemoryLayout.GdtAddress + 0x18));
        Assert.True(MemoryLayout.GdtAddress + BootGdt.Limit + 1 <= MemoryLayout.IdtAddress);
    }

    [Theory]
    [InlineData(0x0UL)]
    [InlineData(0x100_0000UL)]
    [InlineData(0x7000UL)]
    [InlineData(0xBFE0_0000UL)]
    [InlineData(0xFEE0_0000UL)]
    [InlineData(0xFFFF_FFFFUL)]
    public void Page_tables_identity_map_the_first_4_GiB(ulong address)
    {
        var memory = new ArrayGuestMemory(1 << 20);
        ulong cr3 = IdentityPageTables.Write(memory);
        Assert.Equal(MemoryLayout.Pml4Address, cr3);
        // Walk as the MMU does (Intel SDM Vol. 3A §4.5): PML4[47:39] → PDPT[38:30] → PD[29:21] (PS=1).
        ulong pml4e = memory.Read<ulong>(cr3 + ((address >> 39) & 0x1FF) * 8);
        Assert.Equal(3UL, pml4e & 3);
        ulong pdpte = memory.Read<ulong>((pml4e & ~0xFFFUL) + ((address >> 30) & 0x1FF) * 8);
        Assert.Equal(3UL, pdpte & 3);
        Assert.Equal(0UL, pdpte & 0x80);
        ulong pde = memory.Read<ulong>((pdpte & ~0xFFFUL) + ((address >> 21) & 0x1FF) * 8);
        Assert.Equal(0x83UL, pde & 0x83);
        Assert.Equal(address, (pde & ~0x1F_FFFFUL & 0x000F_FFFF_FFFF_F000UL) | (address & 0x1F_FFFF));
    }

    [Fact]
    public void Page_tables_stay_inside_their_pages()
    {
        Assert.Equal(4UL << 30, IdentityPageTables.MappedBytes);
        Assert.True(MemoryLayout.PageDirectoryAddress + IdentityPageTables.PageDirectories * 4096UL <= MemoryLayout.MultibootInfoAddress);
    }

    [Theory]
    [InlineData(1, 0, 17u)]
    [InlineData(1, 3, 16u)]
    [InlineData(2, 0, 18u)]
    [InlineData(3, 1, 16u)]
    [InlineData(31, 3, 18u)]
    public void Pci_intx_swizzle(int slot, int pin, uint gsi) => Assert.Equal(gsi, PciInterruptRouting.GsiFor(slot, pin));

    [Fact]
    public void Pci_intx_routing_stays_on_ioapic_pins_16_to_19_and_rejects_bad_input()
    {
        for (int slot = 1; slot <= 31; slot++)
        {
            for (int pin = 0; pin < 4; pin++)
                Assert.InRange(PciInterruptRouting.GsiFor(slot, pin), 16u, 19u);
        }

        Assert.True(PciInterruptRouting.FirstGsi + PciInterruptRouting.GsiCount <= MemoryLayout.IoApicPins);
        Assert.Throws<ArgumentOutOfRangeException>(() => PciInterruptRouting.GsiFor(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PciInterruptRouting.GsiFor(32, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PciInterruptRouting.GsiFor(1, 4));
        Assert.Equal(0, PciInterruptRouting.PinFromRegister(1));
        Assert.Equal(3, PciInterruptRouting.PinFromRegister(4));
        Assert.Null(PciInterruptRouting.PinFromRegister(0));
        Assert.Null(PciInterruptRouting.PinFromRegister(5));
    }
}
