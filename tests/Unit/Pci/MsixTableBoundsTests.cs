using PSVmm.Engine.Pci.Msix;
using PSVmm.Tests.TestDoubles;
using Xunit;

namespace PSVmm.Tests.Pci;

/// <summary>
/// The edges of an MSI-X table (PCI 3.0 §6.8.2): its size limits, vector numbers at and past its
/// end, and PBA reads that run past the last pending-bit qword (a guest may read any BAR offset).
/// </summary>
public sealed class MsixTableBoundsTests
{
    private readonly RecordingInterruptSink _sink = new();

    [Theory]
    [InlineData(1)]
    [InlineData(MsixTable.MaxVectors)]
    public void A_table_of_one_vector_up_to_the_eleven_bit_maximum_can_be_made(int vectors) =>
        Assert.Equal(vectors, new MsixTable(vectors, _sink).VectorCount);

    [Theory]
    [InlineData(0)]
    [InlineData(MsixTable.MaxVectors + 1)]
    public void A_table_outside_one_to_the_maximum_is_refused(int vectors) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new MsixTable(vectors, _sink));

    [Fact]
    public void The_vector_just_past_the_table_is_masked_and_never_pending()
    {
        var table = new MsixTable(16, _sink);
        table.SetControl(enabled: true, functionMasked: false);

        Assert.True(table.Notify(16));
        Assert.True(table.IsMasked(16));
        Assert.False(table.IsPending(16));
        Assert.True(table.IsMasked(15), "vectors start masked");
        Assert.Empty(_sink.Msis);
    }

    [Fact]
    public void A_pending_bit_reads_back_in_its_own_byte_of_the_pba()
    {
        var table = new MsixTable(16, _sink);
        table.SetControl(enabled: true, functionMasked: false);
        table.Notify(9);   // masked from the start, so it becomes pending: byte 1, bit 1

        Assert.True(table.IsPending(9));
        var one = new byte[1];
        table.PbaRegion.Read(1, one);
        Assert.Equal(0x02, one[0]);
        table.PbaRegion.Read(0, one);
        Assert.Equal(0x00, one[0]);
    }

    [Fact]
    public void A_pba_read_running_past_its_end_reads_zeros_there()
    {
        var table = new MsixTable(16, _sink);   // one qword of pending bits: 8 bytes
        table.SetControl(enabled: true, functionMasked: false);
        table.Notify(15);       // byte 1, bit 7

        var data = new byte[8];
        table.PbaRegion.Read((ulong)table.PbaSize - 7, data);   // bytes 1..8: the last seven, then one past the end

        Assert.Equal(0x80, data[0]);
        Assert.All(data[1..], b => Assert.Equal(0, b));
    }
}
