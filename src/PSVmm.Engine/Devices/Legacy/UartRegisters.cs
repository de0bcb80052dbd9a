namespace PSVmm.Engine.Devices.Legacy;

/// <summary>
/// Register offsets and bits of the 16550A UART (National Semiconductor PC16550D data sheet,
/// "Register Description" and Table II/IV). Offsets 0 and 1 select the divisor latch when LCR.DLAB is set.
/// </summary>
internal static class UartRegisters
{
    public const int RbrThrDll = 0;
    public const int IerDlm = 1;
    public const int IirFcr = 2;
    public const int Lcr = 3;
    public const int Mcr = 4;
    public const int Lsr = 5;
    public const int Msr = 6;
    public const int Scr = 7;
    public const int Count = 8;

    // IER: only the low four bits exist.
    public const byte IerReceivedData = 0x01;     // ERBFI
    public const byte IerThrEmpty = 0x02;         // ETBEI
    public const byte IerLineStatus = 0x04;       // ELSI
    public const byte IerModemStatus = 0x08;      // EDSSI
    public const byte IerMask = 0x0F;

    // IIR: bit 0 clear = interrupt pending; bits 1-3 identify it; bits 6-7 set when FIFOs are on.
    public const byte IirNoInterrupt = 0x01;
    public const byte IirLineStatus = 0x06;
    public const byte IirReceivedData = 0x04;
    public const byte IirCharacterTimeout = 0x0C;
    public const byte IirThrEmpty = 0x02;
    public const byte IirModemStatus = 0x00;
    public const byte IirFifosEnabled = 0xC0;

    // FCR (write only).
    public const byte FcrEnableFifo = 0x01;
    public const byte FcrClearReceive = 0x02;
    public const byte FcrClearTransmit = 0x04;
    public const byte FcrTriggerMask = 0xC0;

    // LCR.
    public const byte LcrDlab = 0x80;

    // MCR: five bits exist.
    public const byte McrDtr = 0x01;
    public const byte McrRts = 0x02;
    public const byte McrOut1 = 0x04;
    public const byte McrOut2 = 0x08;
    public const byte McrLoopback = 0x10;
    public const byte McrMask = 0x1F;

    // LSR.
    public const byte LsrDataReady = 0x01;
    public const byte LsrOverrun = 0x02;
    public const byte LsrThrEmpty = 0x20;
    public const byte LsrTransmitterEmpty = 0x40;

    // MSR: low nibble = deltas (cleared on read), high nibble = line states.
    public const byte MsrDeltaCts = 0x01;
    public const byte MsrDeltaDsr = 0x02;
    public const byte MsrTrailingEdgeRi = 0x04;
    public const byte MsrDeltaDcd = 0x08;
    public const byte MsrDeltaMask = 0x0F;
    public const byte MsrCts = 0x10;
    public const byte MsrDsr = 0x20;
    public const byte MsrRi = 0x40;
    public const byte MsrDcd = 0x80;

    /// <summary>The FIFO depth of a 16550A, both directions.</summary>
    public const int FifoSize = 16;

    /// <summary>Receive trigger levels selected by FCR bits 7:6.</summary>
    public static int ReceiveTriggerLevel(byte fcr) => ((fcr & FcrTriggerMask) >> 6) switch
    {
        0 => 1,
        1 => 4,
        2 => 8,
        _ => 14,
    };
}
