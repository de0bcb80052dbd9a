using PSVmm.Engine.Pci;
using PSVmm.Engine.Pci.Msix;
using PSVmm.Tests.TestDoubles;
using Xunit;

namespace PSVmm.Tests.Pci;

/// <summary>MSI-X driven the way a guest driver does: capability control through config space, table through the BAR region.</summary>
public sealed class MsixTests
{
    private readonly RecordingInterruptSinkPci _sink = new();
    private readonly TestPciFunction _device;
    private readonly MsixTable _table;
    private readonly int _control;

    public MsixTests()
    {
        _device = new TestPciFunction("t", _sink);
        _table = _device.Msix.Table;
        _control = _device.Msix.Offset + 2;
    }

    private ulong Bar2Read(ulong offset, int size) => _device.GetBarRegion(2)!.Read(offset, size);

    private void Bar2Write(ulong offset, int size, ulong value) => _device.GetBarRegion(2)!.Write(offset, size, value);

    private void Program(int vector, ulong address, uint data, bool masked)
    {
        ulong entry = (ulong)vector * 16;
        Bar2Write(entry, 8, address);          // one qword access for the address
        Bar2Write(entry + 8, 4, data);
        Bar2Write(entry + 12, 4, masked ? 1u : 0u);
    }

    private void SetControl(bool enable, bool functionMask) =>
        _device.Write16(_control, (ushort)((enable ? MsixCapability.EnableBit : 0) | (functionMask ? MsixCapability.FunctionMaskBit : 0)));

    private ulong Pba() => Bar2Read(0x800, 8);

    [Fact]
    public void Capability_advertises_table_size_and_locations()
    {
        int cap = _device.Msix.Offset;
        Assert.Equal(PciCapabilityId.MsiX, _device.Config.Read8(cap));
        Assert.Equal(TestPciFunction.Vectors - 1, _device.Config.Read16(cap + 2) & 0x7FF);
        Assert.Equal(0x0000_0002u, _device.Config.Read32(cap + 4));        // offset 0, BIR 2
        Assert.Equal(0x0000_0802u, _device.Config.Read32(cap + 8));        // offset 0x800, BIR 2

        _device.Write16(_control, 0xFFFF);
        Assert.Equal(0xC000 | (TestPciFunction.Vectors - 1), _device.Config.Read16(_control));
        _device.Write32(cap + 4, 0xFFFF_FFFF);
        Assert.Equal(0x0000_0002u, _device.Config.Read32(cap + 4));
        Assert.True(_table.Enabled);
        Assert.True(_table.FunctionMasked);
    }

    [Fact]
    public void Vectors_start_masked_and_table_entries_read_back()
    {
        for (int v = 0; v < TestPciFunction.Vectors; v++)
            Assert.Equal(1ul, Bar2Read((ulong)v * 16 + 12, 4));
        Program(1, 0xFEE0_3000, 0x4041, masked: false);
        Assert.Equal(0xFEE0_3000ul, Bar2Read(16, 8));
        Assert.Equal(0xFEE0_3000ul, Bar2Read(16, 4));
        Assert.Equal(0ul, Bar2Read(20, 4));
        Assert.Equal(0x4041ul, Bar2Read(24, 4));
        Assert.Equal(0x0000_4041ul, Bar2Read(24, 8) & 0xFFFF_FFFF);   // qword over data + vector control
        Assert.Equal(0ul, Bar2Read(24, 8) >> 32);
    }

    [Fact]
    public void Reserved_bits_are_read_only()
    {
        Bar2Write(0, 4, 0xFEE0_0003);          // address bits 1:0
        Bar2Write(12, 4, 0xFFFF_FFFE);          // vector control reserved bits, mask cleared
        Assert.Equal(0xFEE0_0000ul, Bar2Read(0, 4));
        Assert.Equal(0ul, Bar2Read(12, 4));
    }

    [Fact]
    public void Notify_with_msix_disabled_returns_false_and_sends_nothing()
    {
        Program(0, 0xFEE0_0000, 0x30, masked: false);
        Assert.False(_table.Notify(0));
        Assert.Empty(_sink.Messages);
        Assert.Equal(0ul, Pba());
    }

    [Fact]
    public void Unmasked_vector_delivers_the_programmed_message()
    {
        Program(2, 0xFEE0_1000, 0x0000_4052, masked: false);
        SetControl(enable: true, functionMask: false);
        Assert.True(_table.Notify(2));
        Assert.Equal([(0xFEE0_1000ul, 0x4052u)], _sink.Messages);
        Assert.Equal(0ul, Pba());
    }

    [Fact]
    public void Masked_vector_sets_pending_and_is_delivered_once_on_unmask()
    {
        Program(3, 0xFEE0_0000, 0x41, masked: true);
        SetControl(enable: true, functionMask: false);

        Assert.True(_table.Notify(3));
        Assert.True(_table.Notify(3));
        Assert.Empty(_sink.Messages);
        Assert.Equal(1ul << 3, Pba());
        Assert.True(_table.IsPending(3));

        Bar2Write(3 * 16 + 12, 4, 0);           // unmask
        Assert.Equal([(0xFEE0_0000ul, 0x41u)], _sink.Messages);
        Assert.Equal(0ul, Pba());

        Bar2Write(3 * 16 + 12, 4, 0);           // unmasking again sends nothing more
        Assert.Single(_sink.Messages);
    }

    [Fact]
    public void Function_mask_pends_every_vector_and_unmask_delivers_the_unmasked_ones()
    {
        Program(0, 0xFEE0_0000, 0x30, masked: false);
        Program(1, 0xFEE0_0000, 0x31, masked: true);
        Program(2, 0xFEE0_0000, 0x32, masked: false);
        SetControl(enable: true, functionMask: true);

        _table.Notify(0);
        _table.Notify(1);
        _table.Notify(2);
        Assert.Empty(_sink.Messages);
        Assert.Equal(0b111ul, Pba());

        SetControl(enable: true, functionMask: false);
        Assert.Equal([(0xFEE0_0000ul, 0x30u), (0xFEE0_0000ul, 0x32u)], _sink.Messages);
        Assert.Equal(0b010ul, Pba());        // vector 1 is still masked: stays pending

        Bar2Write(1 * 16 + 12, 4, 0);
        Assert.Equal(0x31u, _sink.Messages[^1].Data);
        Assert.Equal(0ul, Pba());
    }

    [Fact]
    public void Pending_vectors_are_delivered_when_msix_is_enabled_unmasked()
    {
        Program(0, 0xFEE0_0000, 0x30, masked: false);
        SetControl(enable: true, functionMask: true);
        _table.Notify(0);
        SetControl(enable: false, functionMask: true);
        Assert.Empty(_sink.Messages);
        SetControl(enable: true, functionMask: false);
        Assert.Single(_sink.Messages);
    }

    [Fact]
    public void Accesses_outside_table_and_pba_read_zero_and_writes_are_dropped()
    {
        var before = _table.GetState();
        ulong tableEnd = (ulong)_table.TableSize;
        Bar2Write(tableEnd, 4, 0xFFFF_FFFF);                   // just past the table, inside the BAR
        Bar2Write(tableEnd - 4, 8, 0xFFFF_FFFF_FFFF_FFFF);     // straddles the end: dropped as a whole
        Assert.Equal(0ul, Bar2Read(tableEnd, 4));
        Assert.Equal(0ul, Bar2Read(0x7F8, 8));
        Bar2Write(0x800, 8, ulong.MaxValue);                   // PBA is read-only
        Assert.Equal(0ul, Pba());
        Assert.Equal(before, _table.GetState() with { Entries = before.Entries });
        Assert.Equal(before.Entries, _table.GetState().Entries);

        // Directly on the regions (no sub-region map in between): any offset/width, never throws.
        foreach (ulong offset in new[] { 0ul, 60ul, 63ul, 64ul, 0xFFFF_FFFF_FFFF_FFF0ul, ulong.MaxValue })
        {
            foreach (int size in new[] { 1, 2, 4, 8 })
            {
                var data = new byte[size];
                _table.TableRegion.Read(offset, data);
                _table.PbaRegion.Read(offset, data);
                _table.PbaRegion.Write(offset, data);
            }
        }

        _table.TableRegion.Write(64, new byte[] { 0, 0, 0, 0 });
        _table.TableRegion.Write(ulong.MaxValue, new byte[] { 0, 0, 0, 0 });
        Assert.True(_table.IsMasked(3));
    }

    [Fact]
    public void Out_of_range_vector_is_dropped_while_enabled()
    {
        SetControl(enable: true, functionMask: false);
        Assert.True(_table.Notify(TestPciFunction.Vectors));
        Assert.True(_table.Notify(-1));
        Assert.Empty(_sink.Messages);
    }

    [Fact]
    public void Changes_are_reported_for_entries_masks_and_control()
    {
        var changes = new List<MsixChange>();
        _table.Changed += changes.Add;
        Program(1, 0xFEE0_2000, 0x45, masked: false);
        SetControl(enable: true, functionMask: false);
        Bar2Write(16 + 8, 4, 0x45);   // same data: no change
        SetControl(enable: true, functionMask: false);   // same control: no change
        Assert.Equal(
            [
                new MsixChange(1, MsixChangeKind.Entry),        // address write
                new MsixChange(1, MsixChangeKind.Entry),        // data write
                new MsixChange(1, MsixChangeKind.VectorMask),
                new MsixChange(-1, MsixChangeKind.Control),
            ],
            changes);
    }

    [Fact]
    public void State_snapshot_decodes_destination_vector_and_delivery_mode()
    {
        Program(2, 0xFEE0_3000, 0x0000_0452, masked: true);   // dest 3, vector 0x52, delivery mode 4 (NMI)
        SetControl(enable: true, functionMask: false);
        _table.Notify(2);
        var state = _table.GetState();
        Assert.True(state.Enabled);
        Assert.False(state.FunctionMasked);
        var entry = state.Entries[2];
        Assert.Equal(new MsixEntryInfo(2, 0xFEE0_3000, 0x452, Masked: true, Pending: true, DestinationApicId: 3, InterruptVector: 0x52, MsiDeliveryMode.Nmi), entry);
        Assert.Equal(MsiDeliveryMode.Fixed, state.Entries[0].DeliveryMode);
    }

    [Fact]
    public void Concurrent_notify_and_mask_toggling_leave_nothing_pending_after_unmask()
    {
        Program(0, 0xFEE0_0000, 0x30, masked: true);
        SetControl(enable: true, functionMask: false);
        const int rounds = 2000;
        var notifier = Task.Run(() => { for (int i = 0; i < rounds; i++) _table.Notify(0); });
        var masker = Task.Run(() => { for (int i = 0; i < rounds; i++) Bar2Write(12, 4, (ulong)(i & 1)); });
        Task.WaitAll(notifier, masker);
        Bar2Write(12, 4, 0);
        // Every notify was either delivered or left pending; the final unmask flushed the pending one.
        Assert.NotEmpty(_sink.Messages);
        Assert.False(_table.IsPending(0));
    }

    [Fact]
    public void Invalid_placements_are_rejected_when_building()
    {
        var config = new PciConfigSpace(new PciIdentity(1, 2, 3));
        config.AddBar(0, PciBarKind.Memory32, 0x1000);
        config.AddBar(1, PciBarKind.Io, 0x20);
        Assert.Throws<ArgumentException>(() => new MsixCapability(config, 4, _sink, 0, 4, 0, 0x800));      // misaligned offset
        Assert.Throws<ArgumentException>(() => new MsixCapability(config, 4, _sink, 0, 0, 0, 0x20));       // PBA overlaps table
        Assert.Throws<ArgumentException>(() => new MsixCapability(config, 4, _sink, 1, 0, 0, 0x800));      // I/O BAR
        Assert.Throws<ArgumentException>(() => new MsixCapability(config, 4, _sink, 0, 0xFF8, 0, 0x800));  // past the BAR
        Assert.Throws<ArgumentException>(() => new MsixCapability(config, 4, _sink, 3, 0, 0, 0x800));      // no such BAR
        Assert.Throws<ArgumentOutOfRangeException>(() => new MsixCapability(config, 0, _sink, 0, 0, 0, 0x800));
    }
}
