using PSVmm.Engine.Devices.Legacy;
using PSVmm.Tests.TestDoubles;
using Xunit;

namespace PSVmm.Tests.Devices.Legacy;

/// <summary>
/// Replays the register probes Linux's 8250 driver makes (drivers/tty/serial/8250/8250_port.c:
/// autoconfig, autoconfig_16550a, serial8250_do_startup) and checks the answers make it see a
/// plain, working 16550A: no exotic variant, no THRE or TXEN bug workarounds.
/// </summary>
public sealed class Serial8250LinuxProbeTests
{
    private const int Rx = 0, Ier = 1, Iir = 2, Fcr = 2, Efr = 2, Lcr = 3, Mcr = 4, Lsr = 5, Msr = 6;

    private readonly Serial8250 _uart = new(new RecordingInterruptSink(), 4, _ => { });

    private byte In(int register)
    {
        var data = new byte[1];
        _uart.Read((ulong)register, data);
        return data[0];
    }

    private void Out(int register, byte value) => _uart.Write((ulong)register, [value]);

    [Fact]
    public void Autoconfig_identifies_a_16550A()
    {
        // IER must hold 0 and 0x0F.
        Out(Ier, 0x00);
        Assert.Equal(0x00, In(Ier) & 0x0F);
        Out(Ier, 0x0F);
        Assert.Equal(0x0F, In(Ier) & 0x0F);
        Out(Ier, 0x00);

        // Loopback with OUT2|RTS must show DCD|CTS.
        Out(Mcr, 0x1A);
        Assert.Equal(0x90, In(Msr) & 0xF0);
        Out(Mcr, 0x00);

        // FIFO type: IIR bits 7:6 both set after enabling the FIFO.
        Out(Lcr, 0xBF);
        Out(Efr, 0x00);
        Out(Lcr, 0x00);
        Out(Fcr, 0x01);
        Assert.Equal(3, In(Iir) >> 6);

        // Not an ST16C650 (EFR readable under DLAB) nor a 16650 (EFR under 0xBF): these read IIR.
        Out(Lcr, 0x80);
        Assert.NotEqual(0, In(Efr));
        Out(Lcr, 0xBF);
        Assert.NotEqual(0, In(Efr));

        // Not a 16750: the 64-byte FIFO bit (FCR bit 5) does not show up as IIR bit 5.
        Out(Lcr, 0x00);
        Out(Fcr, 0x21);
        Assert.Equal(0xC0, In(Iir) & 0xE0);
        Out(Fcr, 0x01);
        Out(Lcr, 0x80);
        Out(Fcr, 0x21);
        Assert.Equal(0xC0, In(Iir) & 0xE0);
        Out(Fcr, 0x01);
        Out(Lcr, 0x00);

        // Not an XScale: IER bit 6 (UUE) does not stick.
        Out(Ier, 0x40);
        Assert.Equal(0, In(Ier) & 0x40);
        Out(Ier, 0x00);
    }

    [Fact]
    public void Startup_finds_no_thre_or_txen_bug()
    {
        Out(Fcr, 0x07); // enable and clear both FIFOs
        In(Lsr);
        In(Rx);
        In(Iir);
        In(Msr);
        Assert.NotEqual(0xFF, In(Lsr));

        Out(Lcr, 0x03);

        // UART_BUG_THRE: THRE must be re-asserted each time ETBEI is set with an idle transmitter.
        Out(Ier, 0x02);
        byte iir1 = In(Iir);
        Out(Ier, 0x00);
        Out(Ier, 0x02);
        byte iir = In(Iir);
        Out(Ier, 0x00);
        Assert.Equal(0, iir1 & 0x01);
        Assert.Equal(0, iir & 0x01);

        // UART_BUG_TXEN: with ETBEI set and TEMT, IIR must report an interrupt.
        Out(Ier, 0x02);
        byte lsr = In(Lsr);
        iir = In(Iir);
        Out(Ier, 0x00);
        Assert.NotEqual(0, lsr & 0x40);
        Assert.Equal(0, iir & 0x01);
    }
}
