using PSVmm.Engine.Interrupts;

namespace PSVmm.Engine.Pci;

/// <summary>
/// A function's INTx# line (PCI Local Bus 3.0 §2.2.6, §6.2.2-3). The device raises or lowers its
/// interrupt condition with <see cref="Assert"/>/<see cref="Deassert"/>; the status register's
/// interrupt-status bit always reflects the condition, and the GSI is driven only while the
/// command register's interrupt-disable bit is clear. Toggling that bit re-drives the line.
/// Writes the GSI to the interrupt line register, as firmware would. Functions sharing a GSI
/// must share one <see cref="PciIntxLines"/> so the line is their wired-OR. Thread-safe.
/// </summary>
public sealed class PciIntx
{
    private readonly object _lock = new();
    private readonly PciConfigSpace _config;
    private readonly PciIntxLines _lines;
    private bool _condition;
    private bool _lineDriven;

    /// <summary>An INTx line that shares nothing (tests, single devices).</summary>
    public PciIntx(PciConfigSpace config, IInterruptSink sink, int slot)
        : this(config, new PciIntxLines(sink), slot)
    {
    }

    /// <summary>An INTx line combined with the other functions on <paramref name="lines"/> that route to the same GSI.</summary>
    public PciIntx(PciConfigSpace config, PciIntxLines lines, int slot)
    {
        _config = config ?? throw new ArgumentNullException(nameof(config));
        _lines = lines ?? throw new ArgumentNullException(nameof(lines));
        Pin = config.InterruptPinValue;
        if (Pin is < 1 or > 4)
            throw new ArgumentException("The function's interrupt pin register must be 1..4 to use INTx.", nameof(config));
        Gsi = PciIntxRouting.GsiFor(slot, Pin);
        config.SetInterruptLine((byte)Gsi);
        config.Written += OnConfigWritten;
    }

    /// <summary>1..4 for INTA#..INTD#.</summary>
    public int Pin { get; }

    public uint Gsi { get; }

    /// <summary>The device's interrupt condition (what the status bit shows).</summary>
    public bool IsAsserted { get { lock (_lock) return _condition; } }

    /// <summary>Whether the GSI is currently driven high.</summary>
    public bool IsLineDriven { get { lock (_lock) return _lineDriven; } }

    public void Assert() => SetCondition(true);

    public void Deassert() => SetCondition(false);

    public void SetCondition(bool asserted)
    {
        lock (_lock)
        {
            _condition = asserted;
            _config.UpdateWordBits(PciConfigRegisters.Status, (ushort)PciStatus.InterruptStatus, asserted);
            DriveLocked();
        }
    }

    private void OnConfigWritten(int offset, int length)
    {
        if ((long)offset >= PciConfigRegisters.Command + 2 || (long)offset + length <= PciConfigRegisters.Command)
            return;
        lock (_lock)
            DriveLocked();
    }

    private void DriveLocked()
    {
        bool drive = _condition && (_config.CommandValue & PciCommand.InterruptDisable) == 0;
        if (drive == _lineDriven)
            return;
        _lineDriven = drive;
        _lines.Drive(this, Gsi, drive);
    }
}
