using System.Buffers.Binary;
using PSVmm.Engine.Devices.Legacy;
using PSVmm.Tests.TestDoubles;
using Xunit;

namespace PSVmm.Tests.Devices.Legacy;

public sealed class TestDeviceTests
{
    private readonly RecordingInterruptSink _sink = new();
    private readonly List<int> _exits = [];
    private readonly TestDevice _device;

    public TestDeviceTests() => _device = new TestDevice(_sink, code => _exits.Add(code));

    private static byte[] Bytes(uint value, int width)
    {
        var data = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(data, value);
        return data[..width];
    }

    private static ulong Value(byte[] data)
    {
        var padded = new byte[8];
        data.CopyTo(padded, 0);
        return BinaryPrimitives.ReadUInt64LittleEndian(padded);
    }

    private ulong PortIn(int port, int width)
    {
        var data = new byte[width];
        _device.Ports.Read((ulong)port, data);
        return Value(data);
    }

    private ulong MmioIn(ulong offset, int width)
    {
        var data = new byte[width];
        _device.Mmio.Read(offset, data);
        return Value(data);
    }

    private void MmioOut(ulong offset, uint value) => _device.Mmio.Write(offset, Bytes(value, 4));

    [Fact]
    public void Port_scratch_starts_at_zero_and_keeps_writes_of_any_width()
    {
        Assert.Equal(0UL, PortIn(0, 4));
        _device.Ports.Write(0, Bytes(0x11223344, 4));
        Assert.Equal(0x11223344UL, PortIn(0, 4));
        Assert.Equal(0x22UL, PortIn(2, 1));
        Assert.Equal(0x1122UL, PortIn(2, 2));
        _device.Ports.Write(1, Bytes(0xBBAA, 2));
        Assert.Equal(0x11BBAA44UL, PortIn(0, 4));
        _device.Ports.Write(3, [0x99]);
        Assert.Equal(0x99BBAA44UL, PortIn(0, 4));
        Assert.Empty(_exits);
    }

    [Theory]
    [InlineData(1, 0x2AU, 0x2A)]
    [InlineData(2, 0x1203U, 0x03)]
    [InlineData(4, 0x12345678U, 0x78)]
    public void Exit_port_write_requests_exit_once_with_the_low_byte(int width, uint value, int expected)
    {
        _device.Ports.Write(4, Bytes(value, width));
        Assert.Equal([expected], _exits);
    }

    [Fact]
    public void Write_spanning_scratch_and_exit_port_splits_per_port()
    {
        _device.Ports.Write(2, [0xAA, 0xBB, 0x07, 0xCC]);
        Assert.Equal([0x07], _exits);
        Assert.Equal(0xBBAA0000UL, PortIn(0, 4));
    }

    [Fact]
    public void Exit_port_reads_the_shutdown_request()
    {
        Assert.False(_device.ShutdownRequested);
        Assert.Equal(0UL, PortIn(4, 1));
        Assert.Equal(0UL, MmioIn(0x1C, 4));
        _device.RequestShutdown();
        Assert.True(_device.ShutdownRequested);
        Assert.Equal(1UL, PortIn(4, 1));
        Assert.Equal(1UL, PortIn(4, 2));
        Assert.Equal(1UL, PortIn(4, 4));
        Assert.Equal(1UL, MmioIn(0x1C, 4));
        Assert.Empty(_exits);
    }

    [Fact]
    public void Reserved_ports_read_zero_and_ignore_writes()
    {
        for (int port = 5; port < TestDevice.PortCount; port++)
        {
            _device.Ports.Write((ulong)port, [0xFF]);
            Assert.Equal(0UL, PortIn(port, 1));
        }
        Assert.Empty(_exits);
        Assert.Equal(0UL, PortIn(0, 4));
    }

    [Fact]
    public void Ports_outside_the_range_never_throw()
    {
        Assert.Equal(0xFFFFUL, PortIn(8, 2));
        Assert.Equal(0xFFFF0000UL, PortIn(6, 4));
        var data = new byte[4];
        _device.Ports.Read(ulong.MaxValue, data);
        _device.Ports.Write(ulong.MaxValue - 1, [1, 2, 3, 4]);
        _device.Ports.Write(100, [4]);
        _device.Ports.Read(0, Span<byte>.Empty);
        _device.Ports.Write(4, ReadOnlySpan<byte>.Empty);
        Assert.Empty(_exits);
        Assert.Equal(0UL, PortIn(0, 4));
    }

    [Fact]
    public void Mmio_signature_reads_psvm()
    {
        Assert.Equal(0x4D565350UL, MmioIn(0, 4));
        var bytes = new byte[4];
        _device.Mmio.Read(0, bytes);
        Assert.Equal("PSVM"u8.ToArray(), bytes);
        MmioOut(0, 0);
        Assert.Equal(0x4D565350UL, MmioIn(0, 4));
    }

    [Theory]
    [InlineData(0x04UL)]
    [InlineData(0x08UL)]
    [InlineData(0x0CUL)]
    [InlineData(0x10UL)]
    public void Mmio_read_write_registers_keep_their_value(ulong offset)
    {
        Assert.Equal(0UL, MmioIn(offset, 4));
        MmioOut(offset, 0xCAFEF00D);
        Assert.Equal(0xCAFEF00DUL, MmioIn(offset, 4));
        Assert.Empty(_sink.Msis);
    }

    [Fact]
    public void Trigger_sends_one_msi_per_write_with_the_programmed_message()
    {
        MmioOut(0x08, 0xFEE01000);
        MmioOut(0x0C, 0x00000001);
        MmioOut(0x10, 0x4041);
        MmioOut(0x14, 0);
        MmioOut(0x14, 0xFFFFFFFF);
        Assert.Equal(
            [new RecordingInterruptSink.Msi(0x1_FEE01000, 0x4041), new RecordingInterruptSink.Msi(0x1_FEE01000, 0x4041)],
            _sink.Msis);
        Assert.Equal(2UL, MmioIn(0x18, 4));
        Assert.Equal(0UL, MmioIn(0x14, 4));
        Assert.Empty(_sink.LineChanges);
    }

    [Fact]
    public void Aligned_eight_byte_write_acts_as_two_dword_writes()
    {
        _device.Mmio.Write(0x08, BitConverter.GetBytes(0x0000_0002_FEE0_0000UL));
        Assert.Equal(0x0000_0002_FEE0_0000UL, MmioIn(0x08, 8));
        _device.Mmio.Write(0x10, BitConverter.GetBytes(0x0000_0000_0000_0031UL)); // data, then trigger
        Assert.Equal([new RecordingInterruptSink.Msi(0x2_FEE00000, 0x31)], _sink.Msis);
    }

    [Fact]
    public void Narrow_and_unaligned_reads_return_the_overlapped_register_bytes()
    {
        MmioOut(0x04, 0x11223344);
        Assert.Equal(0x4DUL, MmioIn(0x03, 1));
        Assert.Equal(0x4D56UL, MmioIn(0x02, 2));
        Assert.Equal(0x3344_4D56UL, MmioIn(0x02, 4));
        Assert.Equal(0x11223344_4D565350UL, MmioIn(0x00, 8));
    }

    [Fact]
    public void Writes_of_other_widths_or_alignments_are_ignored()
    {
        _device.Mmio.Write(0x04, [1]);
        _device.Mmio.Write(0x04, [1, 2]);
        _device.Mmio.Write(0x05, [1, 2, 3, 4]);
        _device.Mmio.Write(0x04, new byte[8]); // 8 bytes not 8-aligned
        _device.Mmio.Write(0x14, [1, 0]);
        Assert.Equal(0UL, MmioIn(0x04, 4));
        Assert.Empty(_sink.Msis);
        Assert.Equal(0UL, MmioIn(0x18, 4));
    }

    [Fact]
    public void Unassigned_and_out_of_range_offsets_read_zero_and_never_throw()
    {
        MmioOut(0x20, 5);
        MmioOut(0xFFC, 5);
        Assert.Equal(0UL, MmioIn(0x20, 4));
        Assert.Equal(0UL, MmioIn(0xFFC, 4));
        Assert.Equal(0UL, MmioIn(0x1000, 4));
        Assert.Equal(0UL, MmioIn(0xFFE, 8));
        Assert.Equal(0UL, MmioIn(ulong.MaxValue, 4));
        MmioOut(0x1000, 5);
        _device.Mmio.Write(0xFFC, new byte[8]);
        _device.Mmio.Write(ulong.MaxValue - 3, [1, 2, 3, 4]);
        _device.Mmio.Write(0x10, new byte[4096]);
        _device.Mmio.Read(0, new byte[8192]);
        _device.Mmio.Read(0, Span<byte>.Empty);
        _device.Mmio.Write(0, ReadOnlySpan<byte>.Empty);
        Assert.Empty(_sink.Msis);
    }
}
