using System.Management.Automation;
using PSVmm.Completion;
using PSVmm.Engine.Machine;

namespace PSVmm.Commands;

/// <summary>Get-VmConsole: what a VM wrote to its serial console, as lines or as one string.</summary>
[Cmdlet(VerbsCommon.Get, "VmConsole", DefaultParameterSetName = NameSet)]
[OutputType(typeof(string))]
public sealed class GetVmConsoleCommand : VmCommandBase
{
    [Parameter(Mandatory = true, ParameterSetName = VmSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public VirtualMachine[] Vm { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = NameSet, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("VMName")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(VmNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Only the last N lines.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int? Tail { get; set; }

    /// <summary>One string with the line breaks kept, instead of one string per line.</summary>
    [Parameter]
    public SwitchParameter Raw { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var vm in ResolveVms(ParameterSetName == NameSet ? Name : null, ParameterSetName == VmSet ? Vm : null))
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
