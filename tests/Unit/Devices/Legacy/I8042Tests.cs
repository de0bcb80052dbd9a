using PSVmm.Engine.Devices.Legacy;
using Xunit;

namespace PSVmm.Tests.Devices.Legacy;

public sealed class I8042Tests
{
    private const int Data = 0, Command = 4, Status = 4;

    private int _resets;
    private readonly I8042 _controller;

    public I8042Tests() => _controller = new I8042(() => Interlocked.Increment(ref _resets));

    private byte In(int offset)
    {
        var data = new byte[1];
        _controller.Read((ulong)offset, data);
        return data[0];
    }

    private void Out(int offset, byte value) => _controller.Write((ulong)offset, [value]);

    /// <summary>Issues a command and returns the byte it put in the output buffer.</summary>
    private byte Query(byte command)
    {
        Out(Command, command);
        Assert.Equal(0x01, In(Status) & 0x01);
        byte value = In(Data);
        Assert.Equal(0x10, In(Status));
        return value;
    }

    [Fact]
    public void Status_shows_only_the_open_keylock_when_idle()
    {
        Assert.Equal(0x10, In(Status));
        Assert.Equal(0x00, In(Data));
        Assert.Equal(0x10, In(Status));
    }

    [Fact]
    public void Command_fe_pulses_reset_once()
    {
        Out(Command, 0xFE);
        Assert.Equal(1, _resets);
        Out(Command, 0xFF); // pulses no line
        Out(Data, 0xFE);    // a keyboard byte, not a command
        Assert.Equal(1, _resets);
    }

    [Fact]
    public void Self_test_answers_55()
    {
        Assert.Equal(0x55, Query(0xAA));
        Assert.Equal(0x00, Query(0xAB));
        Assert.Equal(0x00, Query(0xA9));
    }

    [Fact]
    public void Command_byte_reads_back_what_was_written_and_tracks_port_enables()
    {
        byte initial = Query(0x20);
        Assert.Equal(0x00, initial & 0x30); // both ports enabled

        Out(Command, 0x60);
        Out(Data, 0x47);
        Assert.Equal(0x47, Query(0x20));

        Out(Command, 0xAD);
        Assert.Equal(0x57, Query(0x20));
        Out(Command, 0xA7);
        Assert.Equal(0x77, Query(0x20));
        Out(Command, 0xAE);
        Assert.Equal(0x67, Query(0x20));
        Out(Command, 0xA8);
        Assert.Equal(0x47, Query(0x20));
        Assert.Equal(0, _resets);
    }

    [Fact]
    public void Output_port_write_resets_only_when_bit_0_is_clear()
    {
        Out(Command, 0xD1);
        Out(Data, 0xDF);
        Assert.Equal(0, _resets);
        Assert.Equal(0xDF, Query(0xD0));

        Out(Command, 0xD1);
        Out(Data, 0x02);
        Assert.Equal(1, _resets);
    }

    [Fact]
    public void Aux_loop_returns_the_byte_marked_as_aux_data()
    {
        Out(Command, 0xD3);
        Out(Data, 0x5A);
        Assert.Equal(0x31, In(Status));
        Assert.Equal(0x5A, In(Data));
        Assert.Equal(0x10, In(Status));

        Out(Command, 0xD2);
        Out(Data, 0x12);
        Assert.Equal(0x11, In(Status));
        Assert.Equal(0x12, In(Data));
    }

    [Fact]
    public void Ports_between_data_and_command_are_not_served()
    {
        for (int offset = 1; offset <= 3; offset++)
        {
            Assert.Equal(0xFF, In(offset));
            Out(offset, 0xFE);
        }
        Assert.Equal(0, _resets);
        Assert.Equal(0x10, In(Status));
    }

    [Fact]
    public void Odd_accesses_never_throw()
    {
        var wide = new byte[4];
        _controller.Read(Status, wide);
        Assert.Equal(new byte[] { 0x10, 0, 0, 0 }, wide);
        _controller.Read(ulong.MaxValue, wide);
        Assert.All(wide, b => Assert.Equal(0xFF, b));
        _controller.Read(0, Span<byte>.Empty);
        _controller.Write(0, ReadOnlySpan<byte>.Empty);
        _controller.Write(ulong.MaxValue, [0xFE]);
        _controller.Write(Command, [0xFE, 0x00, 0x00, 0x00]); // a 32-bit write: the low byte is the command
        Assert.Equal(1, _resets);
        for (int command = 0; command < 256; command++)
        {
            Out(Command, (byte)command);
            Out(Data, 0x01);
            In(Data);
            In(Status);
        }
    }
}
