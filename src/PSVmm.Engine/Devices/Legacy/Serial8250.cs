using PSVmm.Engine.Bus;
using PSVmm.Engine.Interrupts;
using static PSVmm.Engine.Devices.Legacy.UartRegisters;

namespace PSVmm.Engine.Devices.Legacy;

/// <summary>
/// A 16550A-compatible UART, 8 ports (COM1 at 0x3F8, IRQ 4), modelled on the PC16550D data sheet.
/// <para>
/// Transmission is instantaneous: a THR write hands the byte to <c>output</c> and the transmitter
/// is empty again at once, so LSR.THRE and LSR.TEMT always read 1. That completes one
/// transmit-empty transition per THR write; the THRE interrupt it raises is cleared by reading
/// IIR (when THRE is the reported source) or by the next THR write, as on the chip (Table IV).
/// The interrupt line is driven only on level changes, so a guest that keeps writing without
/// acknowledging sees one assertion, not one per byte.
/// </para>
/// <para>
/// Receive: host bytes wait in a host queue (at most <see cref="MaxPendingInput"/>) and move
/// into the receive FIFO (16 bytes with FIFOs on, the single RBR otherwise) whenever it has room,
/// which is what a line feeding the chip at full speed would do. A FIFO reset (FCR bit 1, or
/// toggling FCR bit 0) discards only what is inside the FIFO, as on hardware; the host queue
/// behind it is kept. Linux resets the FIFOs when it opens the port, so up to 16 bytes queued
/// before that are lost, as they would be on a real machine. With FIFOs on, fewer bytes than the
/// trigger level are reported as a character timeout (IIR 0xC) at once instead of after four
/// character times; at or above the trigger level, as received data (0x4).
/// </para>
/// <para>
/// Interrupt priority (Table IV): line status (overrun) &gt; received data / timeout &gt; THR empty
/// &gt; modem status. The line is not gated by MCR.OUT2 (as in QEMU), so guests that never set OUT2
/// still get interrupts. Outside loopback the modem inputs read as CTS, DSR and DCD asserted.
/// </para>
/// Multi-byte accesses are split into byte accesses at consecutive ports, as an ISA bus does;
/// ports outside the eight read 0xFF and ignore writes.
/// </summary>
public sealed class Serial8250 : IDeviceRegion
{
    /// <summary>Host input beyond this many waiting bytes is dropped (and counted).</summary>
    public const int MaxPendingInput = 1 << 20;

    private const byte ModemInputsOutsideLoopback = MsrCts | MsrDsr | MsrDcd;

    private readonly object _lock = new();
    private readonly Action<byte> _output;
    private readonly IrqLineSignaller _irq;
    private readonly Queue<byte> _hostInput = new();
    private readonly Queue<byte> _receiveFifo = new();

    private byte _ier;
    private byte _fcr;          // the programmed FCR bits that persist (enable, DMA mode, trigger)
    private byte _lcr;
    private byte _mcr;
    private byte _scr;
    private byte _dll = 0x0C;   // 9600 baud with the 1.8432 MHz clock; reset value is undefined on the chip
    private byte _dlm;
    private byte _msrLines = ModemInputsOutsideLoopback;
    private byte _msrDeltas;
    private bool _overrun;
    private bool _thrEmptyPending;
    private long _droppedInput;

    /// <param name="output">called for every byte the guest transmits (on the vCPU thread, outside the UART's lock)</param>
    public Serial8250(IInterruptSink interrupts, uint gsi, Action<byte> output)
    {
        ArgumentNullException.ThrowIfNull(interrupts);
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _irq = new IrqLineSignaller(interrupts, gsi);
    }

    /// <summary>Host bytes dropped because <see cref="MaxPendingInput"/> were already waiting.</summary>
    public long DroppedInputBytes
    {
        get { lock (_lock) return _droppedInput; }
    }

    /// <summary>Bytes queued for the guest and not yet read (host queue plus receive FIFO).</summary>
    public int PendingInputBytes
    {
        get { lock (_lock) return _hostInput.Count + _receiveFifo.Count; }
    }

    /// <summary>Queues bytes for the guest to receive (thread-safe).</summary>
    public void EnqueueInput(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
            return;
        long ticket;
        bool level;
        lock (_lock)
        {
            foreach (byte b in data)
            {
                if (_hostInput.Count >= MaxPendingInput)
                    _droppedInput++;
                else
                    _hostInput.Enqueue(b);
            }
            RefillReceiveFifo();
            (ticket, level) = Evaluate();
        }
        _irq.Publish(ticket, level);
    }

    public void Read(ulong offset, Span<byte> data)
    {
        long ticket;
        bool level;
        lock (_lock)
        {
            for (int i = 0; i < data.Length; i++)
            {
                ulong port = offset + (ulong)i;
                data[i] = port >= offset && port < Count ? ReadRegister((int)port) : (byte)0xFF;
            }
            (ticket, level) = Evaluate();
        }
        _irq.Publish(ticket, level);
    }

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        int transmitted = -1;
        long ticket;
        bool level;
        lock (_lock)
        {
            for (int i = 0; i < data.Length; i++)
            {
                ulong port = offset + (ulong)i;
                if (port >= offset && port < Count && WriteRegister((int)port, data[i]))
                    transmitted = data[i];
            }
            (ticket, level) = Evaluate();
        }
        // Only offset 0 transmits, so one access carries at most one byte out.
        if (transmitted >= 0)
            _output((byte)transmitted);
        _irq.Publish(ticket, level);
    }

    private bool Dlab => (_lcr & LcrDlab) != 0;

    private bool FifosEnabled => (_fcr & FcrEnableFifo) != 0;

    private bool Loopback => (_mcr & McrLoopback) != 0;

    private int ReceiveCapacity => FifosEnabled ? FifoSize : 1;

    private byte ReadRegister(int register)
    {
        switch (register)
        {
            case RbrThrDll:
                return Dlab ? _dll : ReadReceiveBuffer();
            case IerDlm:
                return Dlab ? _dlm : _ier;
            case IirFcr:
                return ReadIir();
            case Lcr:
                return _lcr;
            case Mcr:
                return _mcr;
            case Lsr:
                return ReadLsr();
            case Msr:
                byte msr = (byte)(_msrLines | _msrDeltas);
                _msrDeltas = 0;
                return msr;
            default:
                return _scr;
        }
    }

    /// <returns>true when the write transmitted the byte to the host</returns>
    private bool WriteRegister(int register, byte value)
    {
        switch (register)
        {
            case RbrThrDll:
                if (Dlab)
                {
                    _dll = value;
                    return false;
                }
                return WriteTransmitHolding(value);
            case IerDlm:
                if (Dlab)
                    _dlm = value;
                else
                    WriteIer(value);
                return false;
            case IirFcr:
                WriteFcr(value);
                return false;
            case Lcr:
                _lcr = value;
                return false;
            case Mcr:
                WriteMcr(value);
                return false;
            case Scr:
                _scr = value;
                return false;
            default:
                return false; // LSR and MSR writes are factory-test only; ignored
        }
    }

    private byte ReadReceiveBuffer()
    {
        // An empty receiver returns 0; real chips return stale data, which no driver relies on.
        byte value = _receiveFifo.Count > 0 ? _receiveFifo.Dequeue() : (byte)0;
        RefillReceiveFifo();
        return value;
    }

    private bool WriteTransmitHolding(byte value)
    {
        // The write clears a pending THRE interrupt, then the byte leaves at once and the
        // holding register is empty again: one transmit-empty transition per write.
        _thrEmptyPending = false;
        bool toHost = true;
        if (Loopback)
        {
            // Loopback (MCR bit 4): the transmitter feeds the receiver, nothing reaches the line.
            ReceiveLoopbackByte(value);
            toHost = false;
        }
        _thrEmptyPending = true;
        return toHost;
    }

    private void ReceiveLoopbackByte(byte value)
    {
        if (_receiveFifo.Count < ReceiveCapacity)
        {
            _receiveFifo.Enqueue(value);
            return;
        }
        _overrun = true;
        if (!FifosEnabled)
        {
            // 16450 mode: the new character overwrites the unread one.
            _receiveFifo.Clear();
            _receiveFifo.Enqueue(value);
        }
        // FIFO mode: the character in the shift register is lost, the FIFO keeps its contents.
    }

    private void WriteIer(byte value)
    {
        byte old = _ier;
        _ier = (byte)(value & IerMask);
        // Enabling ETBEI while the holding register is empty raises THRE (Linux probes for
        // exactly this at port startup); disabling it drops the pending THRE interrupt.
        if (((old ^ _ier) & IerThrEmpty) != 0)
            _thrEmptyPending = (_ier & IerThrEmpty) != 0;
    }

    private void WriteFcr(byte value)
    {
        bool enable = (value & FcrEnableFifo) != 0;
        if (enable != FifosEnabled)
        {
            // Switching between FIFO and 16450 mode empties both FIFOs.
            _receiveFifo.Clear();
        }
        if (!enable)
        {
            // The other FCR bits are programmed only together with FCR0 = 1.
            _fcr = 0;
        }
        else
        {
            _fcr = (byte)(value & (FcrEnableFifo | 0x08 | FcrTriggerMask));
            if ((value & FcrClearReceive) != 0)
                _receiveFifo.Clear();
            // FcrClearTransmit: the transmit FIFO is always empty here.
        }
        RefillReceiveFifo();
    }

    private void WriteMcr(byte value)
    {
        _mcr = (byte)(value & McrMask);
        byte lines = Loopback ? LoopbackModemInputs(_mcr) : ModemInputsOutsideLoopback;
        UpdateModemInputs(lines);
        RefillReceiveFifo();
    }

    /// <summary>In loopback RTS→CTS, DTR→DSR, OUT1→RI and OUT2→DCD.</summary>
    private static byte LoopbackModemInputs(byte mcr)
    {
        byte lines = 0;
        if ((mcr & McrRts) != 0) lines |= MsrCts;
        if ((mcr & McrDtr) != 0) lines |= MsrDsr;
        if ((mcr & McrOut1) != 0) lines |= MsrRi;
        if ((mcr & McrOut2) != 0) lines |= MsrDcd;
        return lines;
    }

    private void UpdateModemInputs(byte lines)
    {
        byte changed = (byte)(lines ^ _msrLines);
        if ((changed & MsrCts) != 0) _msrDeltas |= MsrDeltaCts;
        if ((changed & MsrDsr) != 0) _msrDeltas |= MsrDeltaDsr;
        if ((changed & MsrDcd) != 0) _msrDeltas |= MsrDeltaDcd;
        // TERI reports only the trailing edge (RI going from on to off).
        if ((_msrLines & MsrRi) != 0 && (lines & MsrRi) == 0) _msrDeltas |= MsrTrailingEdgeRi;
        _msrLines = lines;
    }

    private byte ReadLsr()
    {
        byte lsr = LsrThrEmpty | LsrTransmitterEmpty;
        if (_receiveFifo.Count > 0)
            lsr |= LsrDataReady;
        if (_overrun)
            lsr |= LsrOverrun;
        _overrun = false; // error bits clear on read, which also clears the line status interrupt
        return lsr;
    }

    private byte ReadIir()
    {
        byte id = PendingInterruptId();
        // Reading IIR acknowledges THRE only when THRE is the source it reports (Table IV).
        if (id == IirThrEmpty)
            _thrEmptyPending = false;
        return (byte)(id | (FifosEnabled ? IirFifosEnabled : 0));
    }

    /// <summary>The highest-priority enabled interrupt, as IIR bits 3:0.</summary>
    private byte PendingInterruptId()
    {
        if (_overrun && (_ier & IerLineStatus) != 0)
            return IirLineStatus;
        if (_receiveFifo.Count > 0 && (_ier & IerReceivedData) != 0)
        {
            if (FifosEnabled && _receiveFifo.Count < ReceiveTriggerLevel(_fcr))
                return IirCharacterTimeout;
            return IirReceivedData;
        }
        if (_thrEmptyPending && (_ier & IerThrEmpty) != 0)
            return IirThrEmpty;
        if (_msrDeltas != 0 && (_ier & IerModemStatus) != 0)
            return IirModemStatus;
        return IirNoInterrupt;
    }

    private void RefillReceiveFifo()
    {
        if (Loopback)
            return; // the receiver listens to the transmitter, not the line
        while (_receiveFifo.Count < ReceiveCapacity && _hostInput.Count > 0)
            _receiveFifo.Enqueue(_hostInput.Dequeue());
    }

    private (long Ticket, bool Level) Evaluate()
    {
        bool level = PendingInterruptId() != IirNoInterrupt;
        return (_irq.TakeTicket(), level);
    }
}
