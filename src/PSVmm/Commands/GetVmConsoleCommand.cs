using System.Management.Automation;

namespace PSVmm.Commands;

/// <summary>Get-VmConsole: what a VM wrote to its serial console, as lines or as one string.</summary>
[Cmdlet(VerbsCommon.Get, "VmConsole", DefaultParameterSetName = NameSet)]
[OutputType(typeof(string))]
public sealed class GetVmConsoleCommand : VmTargetCommandBase
{
    /// <summary>Only the last N lines.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? Tail { get; set; }

    /// <summary>One string with the line breaks kept, instead of one string per line.</summary>
    [Parameter]
    public SwitchParameter Raw { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var vm in TargetVms())
        {
            if (Raw && Tail is null)
            {
                WriteObject(vm.Console.Text);
                continue;
            }
            var lines = vm.Console.Tail(Tail ?? int.MaxValue);
            if (Raw)
                WriteObject(string.Join('\n', lines));
            else
                WriteObject(lines, enumerateCollection: true);
        }
    }
}
