using PSVmm.Engine.Pci;
using Xunit;
using static PSVmm.Engine.Pci.PciConfigRegisters;

namespace PSVmm.Tests.Pci;

public sealed class PciConfigSpaceTests
{
    private static PciConfigSpace NewSpace(byte pin = 2) =>
        new(new PciIdentity(0x1AF4, 0x1042, 0x01_00_00, Revision: 1, SubsystemVendorId: 0x1AF4, SubsystemId: 0x0002, InterruptPin: pin));

    [Fact]
    public void Header_reports_the_identity()
    {
        var c = NewSpace();
        Assert.Equal(0x1042_1AF4u, c.Read32(VendorId));
        Assert.Equal(0x01_00_00_01u, c.Read32(RevisionId));
        Assert.Equal(0x0002_1AF4u, c.Read32(SubsystemVendorId));
        Assert.Equal(2, c.Read8(InterruptPin));
        Assert.Equal(0, c.Read8(HeaderType));
    }

    [Fact]
    public void Read_only_identification_fields_ignore_writes()
    {
        var c = NewSpace();
        foreach (int offset in new[] { VendorId, RevisionId, SubsystemVendorId, ExpansionRomBar, CapabilitiesPointer })
        {
            uint before = c.Read32(offset);
            c.Write32(offset, ~before);
            Assert.Equal(before, c.Read32(offset));
        }
        // Dword at 0x0C: cache line size is writable, latency timer, header type and BIST are not.
        c.Write32(CacheLineSize, 0xFFFF_FF10);
        Assert.Equal(0x0000_0010u, c.Read32(CacheLineSize));
    }

    [Fact]
    public void Command_register_keeps_only_io_memory_busmaster_and_intx_disable()
    {
        var c = NewSpace();
        c.Write16(Command, 0xFFFF);
        Assert.Equal((ushort)0x0407, c.Read16(Command));
        Assert.Equal(PciCommand.IoSpace | PciCommand.MemorySpace | PciCommand.BusMaster | PciCommand.InterruptDisable, c.CommandValue);
        c.Write16(Command, 0);
        Assert.Equal(0, c.Read16(Command));
    }

    [Fact]
    public void Status_error_bits_are_write_one_to_clear_and_the_rest_read_only()
    {
        var c = NewSpace();
        c.UpdateWordBits(Status, (ushort)(PciStatus.ReceivedMasterAbort | PciStatus.DetectedParityError | PciStatus.InterruptStatus), set: true);

        c.Write16(Status, 0);   // writing zeros changes nothing
        Assert.Equal(PciStatus.ReceivedMasterAbort | PciStatus.DetectedParityError | PciStatus.InterruptStatus, c.StatusValue);

        c.Write16(Status, (ushort)PciStatus.ReceivedMasterAbort);   // clears just that bit
        Assert.Equal(PciStatus.DetectedParityError | PciStatus.InterruptStatus, c.StatusValue);

        c.Write16(Status, 0xFFFF);   // clears every error bit, cannot touch interrupt status or set anything
        Assert.Equal(PciStatus.InterruptStatus, c.StatusValue);
    }

    [Fact]
    public void Byte_write_to_the_status_high_byte_clears_only_addressed_bits()
    {
        var c = NewSpace();
        c.UpdateWordBits(Status, (ushort)(PciStatus.SignaledSystemError | PciStatus.MasterDataParityError), set: true);
        c.Write8(Status + 1, 0x40);   // bit 14
        Assert.Equal(PciStatus.MasterDataParityError, c.StatusValue);
    }

    [Fact]
    public void Interrupt_line_is_writable_and_pin_is_not()
    {
        var c = NewSpace(pin: 3);
        c.Write16(InterruptLine, 0xFF2B);
        Assert.Equal(0x2B, c.Read8(InterruptLine));
        Assert.Equal(3, c.Read8(InterruptPin));
    }

    [Fact]
    public void Multifunction_bit_is_set_by_the_device_side_only()
    {
        var c = NewSpace();
        c.Write8(HeaderType, 0x80);
        Assert.False(c.IsMultifunction);
        c.IsMultifunction = true;
        Assert.Equal(0x80, c.Read8(HeaderType));
    }

    [Fact]
    public void Extended_space_reads_zero_and_beyond_4k_reads_all_ones()
    {
        var c = NewSpace();
        Assert.Equal(0u, c.Read32(0x100));
        Assert.Equal(0u, c.Read32(0xFFC));
        Span<byte> straddle = stackalloc byte[4];
        c.Read(0xFFE, straddle);
        Assert.Equal(new byte[] { 0, 0, 0xFF, 0xFF }, straddle.ToArray());
        Assert.Equal(0xFFFF_FFFFu, c.Read32(0x1000));
        Assert.Equal(0xFFFF_FFFFu, c.Read32(-4));
    }

    [Fact]
    public void Any_width_at_any_offset_never_throws_and_never_changes_read_only_bytes()
    {
        var c = NewSpace();
        c.AddBar(0, PciBarKind.Memory32, 0x1000);
        byte[] before = c.Copy();
        var random = new Random(1234);
        foreach (int width in new[] { 1, 2, 3, 4, 8, 16 })
        {
            for (int offset = -16; offset < 0x1010; offset++)
            {
                var data = new byte[width];
                random.NextBytes(data);
                c.Write(offset, data);
                c.Read(offset, data);
            }
        }
        byte[] after = c.Copy();
        // Identification, header type, pin, capability pointer: unchanged.
        foreach (int o in new[] { 0, 1, 2, 3, 8, 9, 10, 11, HeaderType, InterruptPin, CapabilitiesPointer, 0x2C, 0x2D, 0x2E, 0x2F })
            Assert.Equal(before[o], after[o]);
        // BAR0 type bits and size-aligned address bits stay clear.
        Assert.Equal(0u, c.Read32(Bar0) & 0xFFF);
        // Unimplemented BARs and the extended space stay zero.
        Assert.Equal(0u, c.Read32(BarOffset(3)));
        Assert.All(after.Skip(0x100), b => Assert.Equal(0, b));
    }

    [Fact]
    public void Written_event_reports_guest_writes_but_not_out_of_range_ones()
    {
        var c = NewSpace();
        var seen = new List<(int, int)>();
        c.Written += (o, l) => seen.Add((o, l));
        c.Write16(Command, 2);
        c.Write32(0x2000, 1);
        Assert.Equal([(Command, 2)], seen);
    }
}
