using PSVmm.Engine.Bus;

namespace PSVmm.Engine.Devices.Legacy;

/// <summary>
/// The PS/2 keyboard controller, only as far as a guest needs it to find the controller and to
/// reset the machine. Registered as 5 ports at 0x60: offset 0 = data (0x60), offset 4 =
/// status/command (0x64). Offsets 1-3 (0x61 is system control port B, which KVM's in-kernel PIT
/// serves) are not this device's: they read 0xFF and ignore writes.
/// <para>
/// There is no keyboard or mouse behind it and it raises no interrupts: controller commands are
/// answered through the output buffer, which drivers poll (status bit 0, OBF). Status reads 0x10
/// (keylock open) plus OBF, and AUXB (bit 5) when the byte came from 0xD3. The input buffer is always empty
/// (bit 1 clear), so a driver never waits to write.
/// </para>
/// Commands (IBM PS/2 keyboard controller command set, as Linux drivers/input/serio/i8042 uses it):
/// 0x20 read command byte, 0x60 write command byte, 0xA7/0xA8 disable/enable aux (command byte
/// bit 5), 0xA9 aux interface test (0x00), 0xAA self test (0x55), 0xAB keyboard interface test
/// (0x00), 0xAD/0xAE disable/enable keyboard (bit 4), 0xC0 read input port, 0xD0 read output
/// port, 0xD1 write output port (bit 0 clear = reset the CPU), 0xD2/0xD3 write the next data
/// byte to the output buffer as keyboard/aux data, 0xD4 next byte to the (absent) mouse,
/// 0xF0-0xFF pulse output lines (bit 0 clear, e.g. 0xFE = reset). Others are ignored.
/// Linux's aux probe passes the 0xD3 loop test, then gives up on the aux port when its IRQ 12
/// test times out (250 ms); <c>i8042.noaux</c> on the kernel command line skips that.
/// </summary>
public sealed class I8042 : IDeviceRegion
{
    private const int DataOffset = 0;
    private const int StatusCommandOffset = 4;
    private const byte StatusOutputFull = 0x01;
    private const byte StatusAuxData = 0x20;
    // Bit 4 set: the keyboard is not inhibited by the keylock (Linux warns "Keylock active" otherwise).
    private const byte StatusUnlocked = 0x10;
    private const byte CommandByteKeyboardDisabled = 0x10;
    private const byte CommandByteAuxDisabled = 0x20;
    private const int OutputQueueLimit = 16;

    private readonly object _lock = new();
    private readonly Action _resetRequested;
    private readonly Queue<(byte Value, bool Aux)> _output = new();

    // Keyboard interrupt, system flag, scan-code translation: what firmware leaves behind.
    private byte _commandByte = 0x45;
    // Bit 0 = reset line released, bit 1 = A20 enabled.
    private byte _outputPort = 0x03;
    private byte _pendingCommand;   // a command that takes the next data-port byte, or 0

    /// <param name="resetRequested">called (outside the device's lock) when the guest pulses the reset line</param>
    public I8042(Action resetRequested)
    {
        ArgumentNullException.ThrowIfNull(resetRequested);
        _resetRequested = resetRequested;
    }

    public void Read(ulong offset, Span<byte> data)
    {
        if (data.IsEmpty)
            return;
        if (offset != DataOffset && offset != StatusCommandOffset)
        {
            data.Fill(0xFF);
            return;
        }
        // Only the first byte addresses a register; the rest of a wider access reads 0.
        data.Clear();
        lock (_lock)
            data[0] = offset == DataOffset ? ReadData() : ReadStatus();
    }

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
            return;
        bool reset;
        lock (_lock)
        {
            if (offset == DataOffset)
                reset = WriteData(data[0]);
            else if (offset == StatusCommandOffset)
                reset = WriteCommand(data[0]);
            else
                reset = false;
        }
        if (reset)
            _resetRequested();
    }

    private byte ReadStatus()
    {
        if (_output.Count == 0)
            return StatusUnlocked;
        return (byte)(StatusUnlocked | StatusOutputFull | (_output.Peek().Aux ? StatusAuxData : 0));
    }

    private byte ReadData() => _output.Count > 0 ? _output.Dequeue().Value : (byte)0;

    private void Respond(byte value, bool aux = false)
    {
        if (_output.Count >= OutputQueueLimit)
            _output.Dequeue();
        _output.Enqueue((value, aux));
    }

    /// <returns>true when the command resets the machine</returns>
    private bool WriteCommand(byte command)
    {
        _pendingCommand = 0;
        switch (command)
        {
            case 0x20:
                Respond(_commandByte);
                return false;
            case >= 0x21 and <= 0x3F:
                Respond(0); // controller RAM beyond the command byte
                return false;
            case >= 0x60 and <= 0x7F:
            case 0xD1:
            case 0xD2:
            case 0xD3:
            case 0xD4:
                _pendingCommand = command;
                return false;
            case 0xA7:
                _commandByte |= CommandByteAuxDisabled;
                return false;
            case 0xA8:
                _commandByte &= unchecked((byte)~CommandByteAuxDisabled);
                return false;
            case 0xA9:
            case 0xAB:
                Respond(0x00); // interface test: no error
                return false;
            case 0xAA:
                Respond(0x55); // self test passed
                return false;
            case 0xAD:
                _commandByte |= CommandByteKeyboardDisabled;
                return false;
            case 0xAE:
                _commandByte &= unchecked((byte)~CommandByteKeyboardDisabled);
                return false;
            case 0xC0:
                Respond(0x00);
                return false;
            case 0xD0:
                Respond(_outputPort);
                return false;
            case >= 0xF0:
                // Pulse the output lines whose bit is clear for ~6 µs; line 0 is the CPU reset.
                return (command & 0x01) == 0;
            default:
                return false;
        }
    }

    /// <returns>true when the byte resets the machine</returns>
    private bool WriteData(byte value)
    {
        byte command = _pendingCommand;
        _pendingCommand = 0;
        switch (command)
        {
            case 0x60:
                _commandByte = value;
                return false;
            case 0xD1:
                _outputPort = value;
                return (value & 0x01) == 0;
            case 0xD2:
                Respond(value);
                return false;
            case 0xD3:
                Respond(value, aux: true);
                return false;
            default:
                // Controller RAM writes (0x61-0x7F), bytes for the absent mouse (0xD4) and
                // bytes for the absent keyboard are dropped.
                return false;
        }
    }
}
