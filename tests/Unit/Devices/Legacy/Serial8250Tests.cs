using PSVmm.Engine.Devices.Legacy;
using PSVmm.Tests.TestDoubles;
using Xunit;

namespace PSVmm.Tests.Devices.Legacy;

public sealed class Serial8250Tests
{
    private const uint Gsi = 4;

    // Register offsets (PC16550D).
    private const int Rbr = 0, Thr = 0, Dll = 0, Ier = 1, Dlm = 1, Iir = 2, Fcr = 2, Lcr = 3, Mcr = 4, Lsr = 5, Msr = 6, Scr = 7;

    private readonly RecordingInterruptSink _sink = new();
    private readonly List<byte> _output = [];
    private readonly Serial8250 _uart;

    public Serial8250Tests() => _uart = new Serial8250(_sink, Gsi, b => { lock (_output) _output.Add(b); });

    private byte In(int register)
    {
        Span<byte> data = stackalloc byte[1];
        _uart.Read((ulong)register, data);
        return data[0];
    }

    private void Out(int register, byte value) => _uart.Write((ulong)register, [value]);

    private byte[] Output()
    {
        lock (_output) return [.. _output];
    }

    [Fact]
    public void Reset_state_has_no_interrupt_empty_transmitter_and_modem_inputs_asserted()
    {
        Assert.Equal(0x01, In(Iir));
        Assert.Equal(0x60, In(Lsr));
        Assert.Equal(0x00, In(Ier));
        Assert.Equal(0x00, In(Lcr));
        Assert.Equal(0x00, In(Mcr));
        Assert.Equal(0xB0, In(Msr)); // CTS, DSR, DCD; no deltas
        Assert.Empty(_sink.LineChanges);
    }

    [Fact]
    public void Divisor_latch_is_selected_by_dlab_and_does_not_disturb_thr_and_ier()
    {
        Out(Ier, 0x05);
        Out(Lcr, 0x83);
        Out(Dll, 0x01);
        Out(Dlm, 0x02);
        Assert.Equal(0x01, In(Dll));
        Assert.Equal(0x02, In(Dlm));
        Assert.Empty(Output()); // the DLL write did not transmit

        Out(Lcr, 0x03);
        Assert.Equal(0x05, In(Ier));
        Out(Thr, (byte)'A');
        Assert.Equal("A"u8.ToArray(), Output());

        Out(Lcr, 0x83);
        Assert.Equal(0x01, In(Dll));
        Assert.Equal(0x02, In(Dlm));
        Assert.Equal(0x83, In(Lcr));
    }

    [Fact]
    public void Transmitted_bytes_reach_the_output_in_order()
    {
        foreach (byte b in "hello\n"u8)
            Out(Thr, b);
        Assert.Equal("hello\n"u8.ToArray(), Output());
        Assert.Equal(0x60, In(Lsr) & 0x60);
    }

    [Fact]
    public void Ier_keeps_only_its_four_bits_and_scratch_keeps_all()
    {
        Out(Ier, 0xFF);
        Assert.Equal(0x0F, In(Ier));
        Out(Scr, 0xA5);
        Assert.Equal(0xA5, In(Scr));
        Out(Mcr, 0xFF);
        Assert.Equal(0x1F, In(Mcr));
    }

    [Fact]
    public void Lsr_data_ready_follows_the_receive_buffer()
    {
        _uart.EnqueueInput("ab"u8);
        Assert.Equal(0x61, In(Lsr));
        Assert.Equal((byte)'a', In(Rbr));
        Assert.Equal(0x61, In(Lsr));
        Assert.Equal((byte)'b', In(Rbr));
        Assert.Equal(0x60, In(Lsr));
        Assert.Equal(0, _uart.PendingInputBytes);
    }

    [Fact]
    public void Loopback_returns_transmitted_bytes_and_mirrors_modem_control_lines()
    {
        Out(Mcr, 0x10);
        Assert.Equal(0x0B, In(Msr)); // CTS, DSR and DCD dropped: their deltas are set, lines clear
        Assert.Equal(0x00, In(Msr)); // deltas clear on read

        Out(Mcr, 0x1A); // loop | OUT2 | RTS: what Linux's autoconfig checks (MSR & 0xF0 == 0x90)
        Assert.Equal(0x90, In(Msr) & 0xF0);

        Out(Thr, 0x42);
        Assert.Empty(Output());
        Assert.Equal(0x61, In(Lsr));
        Assert.Equal(0x42, In(Rbr));

        Out(Mcr, 0x15); // loop | OUT1 | DTR
        Assert.Equal(0x60, In(Msr) & 0xF0); // RI and DSR
        Out(Mcr, 0x10);
        Assert.Equal(0x04, In(Msr) & 0x04); // RI trailing edge
    }

    [Fact]
    public void Host_input_waits_while_in_loopback_and_arrives_after()
    {
        Out(Mcr, 0x10);
        _uart.EnqueueInput("x"u8);
        Assert.Equal(0x60, In(Lsr));
        Out(Mcr, 0x00);
        Assert.Equal(0x61, In(Lsr));
        Assert.Equal((byte)'x', In(Rbr));
    }

    [Fact]
    public void Overrun_in_16450_mode_keeps_the_newest_byte_and_raises_line_status_first()
    {
        Out(Ier, 0x05); // received data + line status
        Out(Mcr, 0x10);
        Out(Thr, 1);
        Out(Thr, 2);
        Assert.Equal(0x06, In(Iir));
        Assert.Equal(0x63, In(Lsr)); // DR | OE
        Assert.Equal(0x04, In(Iir)); // OE cleared by the LSR read; data interrupt remains
        Assert.Equal(2, In(Rbr));
        Assert.Equal(0x01, In(Iir));
    }

    [Fact]
    public void Fifo_enable_sets_iir_bits_and_holds_sixteen_bytes()
    {
        Out(Fcr, 0x01);
        Assert.Equal(0xC1, In(Iir));
        Out(Mcr, 0x10);
        for (int i = 0; i < 17; i++)
            Out(Thr, (byte)i);
        Assert.Equal(0x63, In(Lsr)); // the 17th overran
        for (int i = 0; i < 16; i++)
            Assert.Equal((byte)i, In(Rbr));
        Assert.Equal(0x60, In(Lsr));

        Out(Fcr, 0x00);
        Assert.Equal(0x01, In(Iir));
    }

    [Fact]
    public void Fifo_reset_discards_only_bytes_inside_the_fifo()
    {
        Out(Fcr, 0x01);
        byte[] input = Enumerable.Range(0, 20).Select(i => (byte)i).ToArray();
        _uart.EnqueueInput(input);
        Out(Fcr, 0x03); // clear receive FIFO: bytes 0-15 go, 16-19 move in
        for (int i = 16; i < 20; i++)
            Assert.Equal((byte)i, In(Rbr));
        Assert.Equal(0x60, In(Lsr));
    }

    [Fact]
    public void Fifo_fill_below_trigger_level_reports_timeout_and_at_level_reports_data()
    {
        Out(Fcr, 0xC1); // trigger level 14
        Out(Ier, 0x01);
        _uart.EnqueueInput(new byte[3]);
        Assert.Equal(0xCC, In(Iir));
        _uart.EnqueueInput(new byte[20]);
        Assert.Equal(0xC4, In(Iir));
    }

    [Fact]
    public void Fcr_bits_are_programmed_only_together_with_fifo_enable()
    {
        Out(Fcr, 0xC0); // trigger 14 without FCR0: ignored
        Assert.Equal(0x01, In(Iir));
        Out(Fcr, 0x01); // FIFOs on, trigger level 1
        Out(Ier, 0x01);
        _uart.EnqueueInput("a"u8);
        Assert.Equal(0xC4, In(Iir));
    }

    [Fact]
    public void Received_data_asserts_the_line_until_read()
    {
        Out(Ier, 0x01);
        Assert.Empty(_sink.LineChanges);
        _uart.EnqueueInput("z"u8);
        Assert.True(_sink.IsAsserted(Gsi));
        Assert.Equal(0x04, In(Iir));
        Assert.Equal((byte)'z', In(Rbr));
        Assert.False(_sink.IsAsserted(Gsi));
        Assert.Equal(1, _sink.AssertionCount(Gsi));
        Assert.All(_sink.LineChanges, c => Assert.Equal(Gsi, c.Gsi));
    }

    [Fact]
    public void Input_queued_before_the_interrupt_is_enabled_interrupts_when_ier_is_written()
    {
        _uart.EnqueueInput("ok"u8);
        Assert.Empty(_sink.LineChanges);
        Out(Ier, 0x01);
        Assert.True(_sink.IsAsserted(Gsi));
        Assert.Equal((byte)'o', In(Rbr));
        Assert.True(_sink.IsAsserted(Gsi));
        Assert.Equal((byte)'k', In(Rbr));
        Assert.False(_sink.IsAsserted(Gsi));
    }

    [Fact]
    public void Interrupt_priority_is_data_then_thr_empty_then_modem_status()
    {
        Out(Mcr, 0x12);       // loopback with RTS: CTS delta pending
        Out(Ier, 0x0B);       // data, THRE, modem status; enabling ETBEI raises THRE
        Out(Thr, 0x55);       // looped back: data available
        Assert.Equal(0x04, In(Iir));
        Assert.Equal(0x04, In(Iir)); // reading IIR does not acknowledge received data
        Assert.Equal(0x55, In(Rbr));
        Assert.Equal(0x02, In(Iir)); // acknowledges THRE
        Assert.Equal(0x00, In(Iir));
        In(Msr);
        Assert.Equal(0x01, In(Iir));
        Assert.False(_sink.IsAsserted(Gsi));
        Assert.Equal(1, _sink.AssertionCount(Gsi)); // the line stayed high from first cause to last
    }

    [Fact]
    public void Thr_empty_interrupt_is_raised_once_per_transition_not_per_byte()
    {
        Out(Ier, 0x02);
        Assert.Equal(1, _sink.AssertionCount(Gsi));
        for (int i = 0; i < 100; i++)
            Out(Thr, (byte)'.');
        Assert.Equal(1, _sink.AssertionCount(Gsi));
        Assert.True(_sink.IsAsserted(Gsi));

        Assert.Equal(0x02, In(Iir));
        Assert.False(_sink.IsAsserted(Gsi));
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(0x01, In(Iir));
            Assert.Equal(0x60, In(Lsr));
        }
        Assert.Equal(1, _sink.AssertionCount(Gsi));

        Out(Thr, (byte)'!'); // a new transmit-empty transition
        Assert.Equal(2, _sink.AssertionCount(Gsi));
        Assert.Equal(101, Output().Length);
    }

    [Fact]
    public void Enabling_thr_interrupt_with_empty_transmitter_raises_it_and_disabling_drops_it()
    {
        // Linux's startup probe: set ETBEI, expect TEMT and an IIR that is not "no interrupt".
        Out(Ier, 0x02);
        Assert.Equal(0x40, In(Lsr) & 0x40);
        Out(Ier, 0x00);
        Assert.False(_sink.IsAsserted(Gsi));
        Assert.Equal(0x01, In(Iir));
        Out(Ier, 0x02);
        Assert.Equal(0x02, In(Iir));
        Assert.Equal(2, _sink.AssertionCount(Gsi));
    }

    [Fact]
    public void Modem_status_interrupt_needs_its_enable_bit()
    {
        Out(Mcr, 0x10);
        Assert.Equal(0x01, In(Iir));
        Out(Ier, 0x08);
        Assert.Equal(0x00, In(Iir));
        Assert.True(_sink.IsAsserted(Gsi));
        In(Msr);
        Assert.False(_sink.IsAsserted(Gsi));
    }

    [Fact]
    public void Wide_and_out_of_range_accesses_are_split_per_port_and_never_throw()
    {
        Out(Lcr, 0x80);
        _uart.Write(0, [0x34, 0x12]); // DLL, DLM in one 16-bit write
        Assert.Equal(0x34, In(Dll));
        Assert.Equal(0x12, In(Dlm));
        Out(Lcr, 0x00);

        Out(Scr, 0x77);
        var wide = new byte[4];
        _uart.Read(6, wide);
        Assert.Equal(new byte[] { 0xB0, 0x77, 0xFF, 0xFF }, wide);

        var far = new byte[8];
        _uart.Read(8, far);
        Assert.All(far, b => Assert.Equal(0xFF, b));
        _uart.Read(ulong.MaxValue, far);
        Assert.All(far, b => Assert.Equal(0xFF, b));
        _uart.Write(ulong.MaxValue - 1, [1, 2, 3, 4]);
        _uart.Write(1000, [0x41]);
        _uart.Read(0, Span<byte>.Empty);
        _uart.Write(0, ReadOnlySpan<byte>.Empty);
        _uart.EnqueueInput(ReadOnlySpan<byte>.Empty);
        Assert.Empty(Output());
        Assert.Equal(0x77, In(Scr));
    }

    [Fact]
    public void Host_input_beyond_the_limit_is_dropped_and_counted()
    {
        _uart.EnqueueInput(new byte[Serial8250.MaxPendingInput + 10]);
        Assert.Equal(10, _uart.DroppedInputBytes);
        Assert.Equal(Serial8250.MaxPendingInput, _uart.PendingInputBytes);
    }

    [Fact]
    public void Output_callback_may_feed_input_back_without_deadlock()
    {
        Serial8250? uart = null;
        uart = new Serial8250(_sink, Gsi, b => uart!.EnqueueInput([b]));
        uart.Write(Ier, [0x01]);
        uart.Write(Thr, [(byte)'e']);
        var data = new byte[1];
        uart.Read(Rbr, data);
        Assert.Equal((byte)'e', data[0]);
    }

    [Fact]
    public async Task Input_from_several_threads_is_delivered_completely()
    {
        const int Producers = 4, PerProducer = 2000;
        var producers = Enumerable.Range(0, Producers).Select(p => Task.Run(() =>
        {
            for (int i = 0; i < PerProducer; i++)
                _uart.EnqueueInput([(byte)p]);
        })).ToArray();

        var counts = new int[Producers];
        int received = 0;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (received < Producers * PerProducer && DateTime.UtcNow < deadline)
        {
            if ((In(Lsr) & 0x01) == 0)
                continue;
            counts[In(Rbr)]++;
            received++;
        }
        await Task.WhenAll(producers);
        Assert.Equal(Enumerable.Repeat(PerProducer, Producers), counts);
        Assert.Equal(0, _uart.PendingInputBytes);
    }
}
