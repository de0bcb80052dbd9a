using System.Management.Automation;
using System.Text;
using PSVmm.Engine.Machine;

namespace PSVmm.Commands;

/// <summary>
/// Send-VmConsole: types text into a VM's serial console (UTF-8), each string followed by a line feed
/// unless -NoNewline. Linux consoles end a line on LF or CR; for firmware that wants CR, send "`r" with -NoNewline.
/// </summary>
[Cmdlet(VerbsCommunications.Send, "VmConsole", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
public sealed class SendVmConsoleCommand : VmTargetCommandBase
{
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true)]
    [AllowEmptyString]
    public string[] InputObject { get; set; } = [];

    [Parameter]
    public SwitchParameter NoNewline { get; set; }

    protected override void ProcessRecord()
    {
        var vms = TargetVms();
        foreach (var vm in vms)
        {
            foreach (var text in InputObject)
            {
                if (!ShouldProcess(vm.Name, $"Send {text.Length} characters to the console"))
                    continue;
                try
                {
                    vm.SendConsoleInput(Encoding.UTF8.GetBytes(NoNewline ? text : text + "\n"));
                }
                catch (VmException e)
                {
                    WriteVmError(e, vm);
                }
            }
        }
    }
}
