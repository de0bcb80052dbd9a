using PSVmm.Engine.Machine;

namespace PSVmm.Model;

/// <summary>
/// One thing the VMM noticed while a VM ran, as Get-VmEvent writes it: a request a disk refused,
/// an I/O error, a guest that broke a virtqueue's rules (the device then needs a reset), an
/// iothread's failure, a power-button press, a guest's power-off or reset. Kept apart from the
/// guest's console.
/// </summary>
public sealed class VmEventRecord
{
    internal VmEventRecord(string vmName, VmEvent entry)
    {
        VmName = vmName;
        Time = entry.Time.ToLocalTime();
        Source = entry.Source;
        Message = entry.Message;
    }

    public string VmName { get; }
    /// <summary>When it happened, in local time.</summary>
    public DateTime Time { get; }
    /// <summary>The part of the machine that noticed it: a disk id, an iothread name, acpi or i8042.</summary>
    public string Source { get; }
    public string Message { get; }
}
