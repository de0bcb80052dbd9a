using PSVmm.Engine.Bus;
using PSVmm.Engine.Pci;
using PSVmm.Engine.Platform;
using PSVmm.Tests.TestDoubles;
using Xunit;
using static PSVmm.Engine.Pci.PciConfigRegisters;

namespace PSVmm.Tests.Pci;

/// <summary>BAR placement and guest BAR moves against real IoBus instances (2 GiB of RAM below 4 GiB, 2 GiB above).</summary>
public sealed class PciBarMapperTests
{
    private static readonly ulong RamBytes = 4UL << 30;
    private readonly IoBus _mmio = new("mmio");
    private readonly IoBus _pio = new("pio");
    private readonly RecordingInterruptSinkPci _sink = new();
    private readonly PciBus _bus = new();
    private readonly PciBarMapper _mapper;
    private readonly TestPciFunction _a;
    private readonly TestPciFunction _b;

    public PciBarMapperTests()
    {
        var windows = PciWindows.Default(mmio64Start: 0x100_0000_0000, mmio64Size: 0x1_0000_0000);
        _mapper = new PciBarMapper(_mmio, _pio, windows, OverlapsRam);
        _a = new TestPciFunction("a", _sink);
        _b = new TestPciFunction("b", _sink);
        _bus.Add(_a, slot: 1);
        _bus.Add(_b, slot: 2);
        _mapper.AttachAll(_bus);
        _mapper.AssignInitialAddresses(new BarAllocator(windows));
    }

    private static bool OverlapsRam(ulong start, ulong length) =>
        MemoryLayout.RamRegions(RamBytes).Any(r => start < r.GuestAddress + r.Size && r.GuestAddress < start + length);

    private static void MoveBar(IPciDevice device, int index, ulong address)
    {
        device.Write32(BarOffset(index), (uint)address);
        if (device.Config.GetBar(index)!.Is64Bit)
            device.Write32(BarOffset(index + 1), (uint)(address >> 32));
    }

    [Fact]
    public void Initial_assignment_maps_every_bar_with_decode_on()
    {
        Assert.Equal(PciCommand.IoSpace | PciCommand.MemorySpace, _a.Config.CommandValue);
        Assert.Equal(6, _mapper.Mappings.Count);
        foreach (var device in new[] { _a, _b })
        {
            ulong bar0 = device.Config.GetBarAddress(0);
            Assert.Equal(bar0, _mapper.MappedAddress(device, 0));
            Assert.True(_mmio.Write(bar0 + 8, 4, 0x1234_5678));
            Assert.Equal(0x1234_5678u, device.Bar0.ReadDword(8));

            ulong io = device.Config.GetBarAddress(1);
            Assert.InRange(io, 0xC000ul, 0xFFFFul);
            Assert.True(_pio.Write(io + 4, 2, 0xBEEF));
            Assert.Equal(0xBEEFu, device.Bar1.ReadDword(4));

            ulong bar2 = device.Config.GetBarAddress(2);
            Assert.True(bar2 >= 0x100_0000_0000);   // 64-bit BAR went to the high window
        }
    }

    [Fact]
    public void Moving_a_bar_remaps_the_region()
    {
        ulong old = _a.Config.GetBarAddress(0);
        const ulong target = 0xD000_0000;
        MoveBar(_a, 0, target);

        Assert.Equal(target, _mapper.MappedAddress(_a, 0));
        Assert.True(_mmio.Write(target, 4, 0xCAFE_F00D));
        Assert.Equal(0xCAFE_F00Du, _a.Bar0.ReadDword(0));
        int accesses = _a.Bar0.Accesses;
        Assert.False(_mmio.Write(old, 4, 1));          // nothing at the old address any more
        Assert.Equal(0xFFFF_FFFFul, _mmio.Read(old, 4));
        Assert.Equal(accesses, _a.Bar0.Accesses);
    }

    [Fact]
    public void Moving_a_64bit_bar_with_decode_off_then_on()
    {
        Assert.True(_mmio.Write(_a.Config.GetBarAddress(2) + TestPciFunction.Bar2ScratchOffset, 4, 1));
        _a.Write16(Command, (ushort)PciCommand.IoSpace);     // memory decode off, as Linux does for 64-bit updates
        Assert.Null(_mapper.MappedAddress(_a, 2));
        Assert.Null(_mapper.MappedAddress(_a, 0));
        Assert.NotNull(_mapper.MappedAddress(_a, 1));       // I/O still decoded

        const ulong target = 0x100_8000_0000;
        MoveBar(_a, 2, target);
        Assert.Null(_mapper.MappedAddress(_a, 2));
        _a.Write16(Command, (ushort)(PciCommand.IoSpace | PciCommand.MemorySpace));
        Assert.Equal(target, _mapper.MappedAddress(_a, 2));
        Assert.True(_mmio.Write(target + TestPciFunction.Bar2ScratchOffset + 0x10, 4, 0x55AA));
        Assert.Equal(0x55AAu, _a.Bar2Scratch.ReadDword(0x10));
    }

    [Fact]
    public void A_move_onto_ram_is_refused_and_the_old_mapping_stays()
    {
        ulong old = _a.Config.GetBarAddress(0);
        MoveBar(_a, 0, 0x1000_0000);   // 256 MiB: RAM
        Assert.Equal(old, _mapper.MappedAddress(_a, 0));
        Assert.Null(_mmio.Find(0x1000_0000, 4));
        Assert.True(_mmio.Write(old, 4, 7));
        Assert.Equal(7u, _a.Bar0.ReadDword(0));
        var refusal = Assert.Single(_mapper.Refusals);
        Assert.Equal(("a", 0, 0x1000_0000ul, (ulong?)old), (refusal.Device, refusal.BarIndex, refusal.RequestedAddress, refusal.KeptAddress));
        Assert.Contains("outside", refusal.Reason);   // RAM below 3 GiB is also outside the window
    }

    [Fact]
    public void A_move_onto_high_ram_is_refused_even_inside_a_window()
    {
        var windows = new PciWindows(MemoryLayout.PciMmio32Start, MemoryLayout.PciMmio32Size, 0x1_0000_0000, 0x1_0000_0000, 0xC000, 0x4000);
        var mmio = new IoBus("m");
        var mapper = new PciBarMapper(mmio, new IoBus("p"), windows, OverlapsRam);   // the 64-bit window wrongly overlaps high RAM
        var d = new TestPciFunction("d", _sink);
        mapper.Attach(d);
        mapper.AssignInitialAddresses(new BarAllocator(PciWindows.Default()));
        MoveBar(d, 2, 0x1_0000_0000);   // decode on: the low-dword write alone is refused too (address 0)
        Assert.Contains("RAM", mapper.Refusals[^1].Reason);
        Assert.NotEqual(0x1_0000_0000ul, mapper.MappedAddress(d, 2));
    }

    [Fact]
    public void A_move_onto_another_devices_bar_is_refused()
    {
        ulong old = _a.Config.GetBarAddress(0);
        ulong other = _b.Config.GetBarAddress(0);
        MoveBar(_a, 0, other);
        Assert.Equal(old, _mapper.MappedAddress(_a, 0));
        Assert.True(_mmio.Write(other, 4, 0x42));
        Assert.Equal(0x42u, _b.Bar0.ReadDword(0));
        Assert.Equal(0u, _a.Bar0.ReadDword(0));
        Assert.Contains("b BAR0", _mapper.Refusals.Single().Reason);
    }

    [Fact]
    public void An_io_move_onto_another_io_bar_is_refused_but_memory_and_io_spaces_are_separate()
    {
        ulong bIo = _b.Config.GetBarAddress(1);
        MoveBar(_a, 1, bIo);
        Assert.NotEqual(bIo, _mapper.MappedAddress(_a, 1));
        Assert.Single(_mapper.Refusals);
    }

    [Theory]
    [InlineData(0, 0xBFFF_F000ul)]            // just below the 32-bit window
    [InlineData(0, 0xE000_0000ul)]            // ECAM, past the window
    [InlineData(2, 0x200_0000_0000ul)]        // past the 64-bit window
    [InlineData(1, 0x1000ul)]                 // I/O below the I/O window
    public void A_move_outside_the_windows_is_refused(int index, ulong target)
    {
        ulong old = _a.Config.GetBarAddress(index);
        MoveBar(_a, index, target);
        Assert.Equal(old, index == 1 ? _mapper.MappedAddress(_a, 1) : _mapper.MappedAddress(_a, index));
        Assert.Contains("outside", _mapper.Refusals.Single().Reason);
    }

    [Fact]
    public void Sizing_with_decode_on_keeps_the_region_and_writing_back_changes_nothing()
    {
        ulong old = _a.Config.GetBarAddress(0);
        _a.Write32(Bar0, 0xFFFF_FFFF);
        Assert.Equal(0xFFFF_F000u, _a.Read32(Bar0));
        Assert.Equal(old, _mapper.MappedAddress(_a, 0));
        _a.Write32(Bar0, (uint)old);
        Assert.Equal(old, _mapper.MappedAddress(_a, 0));
        Assert.True(_mmio.Write(old, 4, 9));
    }

    [Fact]
    public void Memory_decode_toggles_unmap_and_remap()
    {
        ulong bar0 = _a.Config.GetBarAddress(0);
        var unmapped = new List<PciBarMapping>();
        var mapped = new List<PciBarMapping>();
        _mapper.Unmapped += unmapped.Add;
        _mapper.Mapped += mapped.Add;

        _a.Write16(Command, (ushort)PciCommand.IoSpace);
        Assert.False(_mmio.Write(bar0, 4, 1));
        Assert.Equal([0, 2], unmapped.Select(m => m.BarIndex).Order());

        _a.Write16(Command, (ushort)(PciCommand.IoSpace | PciCommand.MemorySpace));
        Assert.True(_mmio.Write(bar0, 4, 1));
        Assert.Equal([0, 2], mapped.Select(m => m.BarIndex).Order());
    }

    [Fact]
    public void A_failed_bus_registration_rolls_back_to_the_old_range()
    {
        // A platform device the mapper does not know about sits inside the window.
        var platform = new ScratchRegion(0x1000);
        _mmio.Register(0xDF00_0000, 0x1000, platform, "platform");
        ulong old = _a.Config.GetBarAddress(0);

        MoveBar(_a, 0, 0xDF00_0000);
        Assert.Equal(old, _mapper.MappedAddress(_a, 0));
        Assert.True(_mmio.Write(old, 4, 3));
        Assert.Equal(3u, _a.Bar0.ReadDword(0));
        Assert.True(_mmio.Write(0xDF00_0000, 4, 4));
        Assert.Equal(4u, platform.ReadDword(0));
        Assert.Equal(old, _mapper.Refusals.Single().KeptAddress);
    }

    [Fact]
    public void A_refused_bar_without_previous_mapping_stays_unmapped_until_a_valid_write()
    {
        _a.Write16(Command, 0);
        MoveBar(_a, 0, 0x1000);
        _a.Write16(Command, (ushort)PciCommand.MemorySpace);
        Assert.Null(_mapper.MappedAddress(_a, 0));
        Assert.Null(_mapper.Refusals.Last().KeptAddress);

        MoveBar(_a, 0, 0xD800_0000);
        Assert.Equal(0xD800_0000ul, _mapper.MappedAddress(_a, 0));
    }

    [Fact]
    public void Detach_unmaps_everything()
    {
        _mapper.Detach(_a);
        Assert.Null(_mapper.MappedAddress(_a, 0));
        Assert.Equal(3, _mapper.Mappings.Count);
        MoveBar(_a, 0, 0xD000_0000);
        Assert.Null(_mmio.Find(0xD000_0000, 4));
    }

    [Fact]
    public void Snapshot_reports_mapped_state_with_the_mapper()
    {
        _a.Write16(Command, (ushort)PciCommand.IoSpace);
        var info = PciDeviceInfo.Capture(_bus.AddressOf(_a)!.Value, _a, _mapper);
        Assert.Equal([false, true, false], info.Bars.Select(b => b.Enabled));
    }
}
