using PSVmm.Engine.Boot.Acpi;
using PSVmm.Engine.Bus;
using PSVmm.Engine.Devices.Legacy;
using PSVmm.Engine.Interrupts;

namespace PSVmm.Engine.Devices.Acpi;

/// <summary>
/// The power-management ports of the hardware-reduced ACPI platform (<see cref="AcpiPowerRegisters"/>):
/// the guest powers the machine off by writing S5 with SLP_EN to the sleep control register, resets
/// it by writing RESET_VALUE to the reset register, and learns of a power-button press from the
/// Generic Event Device's interrupt, whose _EVT method reads (and so acknowledges) the event
/// selector. What the guest did is written to the VM's event log.
/// </summary>
public sealed class AcpiPowerDevice : IDeviceRegion
{
    private readonly object _lock = new();
    private readonly IrqLineSignaller _gedLine;
    private readonly Action _powerOff;
    private readonly Action _reset;
    private readonly Action<string> _log;
    private byte _pendingEvents;

    /// <param name="powerOff">called (outside the device's lock) when the guest enters S5</param>
    /// <param name="reset">called (outside the device's lock) when the guest writes the reset value</param>
    /// <param name="log">where what the guest did is described</param>
    public AcpiPowerDevice(IInterruptSink interrupts, Action powerOff, Action reset, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(interrupts);
        _gedLine = new IrqLineSignaller(interrupts, AcpiPowerRegisters.GedGsi);
        _powerOff = powerOff ?? throw new ArgumentNullException(nameof(powerOff));
        _reset = reset ?? throw new ArgumentNullException(nameof(reset));
        _log = log ?? throw new ArgumentNullException(nameof(log));
    }

    /// <summary>Events raised and not yet read by the guest's _EVT.</summary>
    public byte PendingEvents
    {
        get { lock (_lock) return _pendingEvents; }
    }

    /// <summary>Presses the power button: sets the event and raises the GED interrupt until the guest reads it.</summary>
    public void PressPowerButton()
    {
        long ticket;
        lock (_lock)
        {
            _pendingEvents |= AcpiPowerRegisters.GedPowerButton;
            ticket = _gedLine.TakeTicket();
        }
        _gedLine.Publish(ticket, true);
        _log("power button pressed (ACPI GED interrupt)");
    }

    public void Read(ulong offset, Span<byte> data)
    {
        if (data.IsEmpty)
            return;
        data.Clear();
        switch (offset)
        {
            case AcpiPowerRegisters.GedEventOffset:
                data[0] = TakeEvents();
                break;
            case AcpiPowerRegisters.SleepControlOffset or AcpiPowerRegisters.SleepStatusOffset or AcpiPowerRegisters.ResetOffset:
                break; // write-only registers; no wake event is ever pending
            default:
                data.Fill(0xFF);
                break;
        }
    }

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
            return;
        byte value = data[0];
        switch (offset)
        {
            case AcpiPowerRegisters.SleepControlOffset:
                WriteSleepControl(value);
                break;
            case AcpiPowerRegisters.ResetOffset when value == AcpiPowerRegisters.ResetValue:
                _log("the guest reset the machine (ACPI reset register)");
                _reset();
                break;
        }
    }

    // §7.4.2: the OSPM writes SLP_TYPx with SLP_EN to enter a sleep state; only S5 exists here.
    private void WriteSleepControl(byte value)
    {
        if ((value & AcpiPowerRegisters.SleepEnable) == 0)
            return;
        int type = (value & AcpiPowerRegisters.SleepTypeMask) >> AcpiPowerRegisters.SleepTypeShift;
        if (type == AcpiPowerRegisters.S5SleepType)
        {
            _log("the guest powered off (ACPI S5)");
            _powerOff();
        }
        else
        {
            _log($"the guest asked for sleep type {type}, which this machine does not have (only S5); ignored");
        }
    }

    private byte TakeEvents()
    {
        byte events;
        long ticket;
        lock (_lock)
        {
            events = _pendingEvents;
            _pendingEvents = 0;
            ticket = _gedLine.TakeTicket();
        }
        _gedLine.Publish(ticket, false);
        if ((events & AcpiPowerRegisters.GedPowerButton) != 0)
            _log("the guest took the power-button event (its ACPI _EVT read the GED event selector)");
        return events;
    }
}
