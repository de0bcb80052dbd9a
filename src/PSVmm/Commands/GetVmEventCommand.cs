using System.Management.Automation;
using PSVmm.Model;

namespace PSVmm.Commands;

/// <summary>
/// Get-VmEvent: what the VMM noticed while a VM ran (refused requests, I/O errors, broken
/// virtqueues, iothread failures, power button, guest power-off and reset), oldest first,
/// across runs of the VM.
/// </summary>
[Cmdlet(VerbsCommon.Get, "VmEvent", DefaultParameterSetName = NameSet)]
[OutputType(typeof(VmEventRecord))]
public sealed class GetVmEventCommand : VmTargetCommandBase
{
    /// <summary>Only the events of these sources (disk ids, iothread names, acpi, i8042; wildcards allowed).</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Source { get; set; }

    /// <summary>Only the last N events (after -Source).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Newest { get; set; }

    protected override void ProcessRecord()
    {
        var sources = Source?.Select(s => new WildcardPattern(s, WildcardOptions.IgnoreCase)).ToList();
        foreach (var vm in TargetVms())
        {
            var events = vm.Events.Snapshot().Where(e => sources is null || sources.Any(p => p.IsMatch(e.Source)));
            if (Newest is int newest)
                events = events.TakeLast(newest);
            foreach (var entry in events)
                WriteObject(new VmEventRecord(vm.Name, entry));
            if (vm.Events.Dropped > 0)
                WriteVerbose($"VM '{vm.Name}': {vm.Events.Dropped} older events were dropped (the log keeps the last {Engine.Machine.VmEventLog.Capacity}).");
        }
    }
}
